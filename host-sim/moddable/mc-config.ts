import { virtual } from "./control";

/** Stand-in for Moddable's `mc/config`: reads whatever the scenario installed. */
const config = new Proxy({} as Record<string, unknown>, {
  get(_target, key: string): unknown {
    return virtual.config[key];
  },
});
export default config;
