/**
 * The board's console: Moddable's global `trace` (declared in
 * @moddable/typings xs.d.ts), which writes to xsbug when a debugger is
 * attached and to the serial console otherwise, adding no newline.
 *
 * This is the one file in device code the lint gate lets print
 * (eslint.config.js); everything else appends to the log ring. It exists
 * for what must be seen before there is an agent to log it: a board that
 * refuses to boot (agent/moddable/main.ts, README "A refused boot").
 */

/** Write `line` and a newline to the console. */
export function consoleLine(line: string): void {
  trace(`${line}\n`);
}
