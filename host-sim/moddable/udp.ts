/** Stand-in for embedded:io/socket/udp: the virtual board has no network, so opening a socket throws as a host without Wi-Fi does. */
export default class UDP {
  constructor(_options: unknown) {
    throw new Error("no network");
  }
  write(_address: string, _port: number, _data: ArrayBuffer): void {}
  read(): ArrayBuffer | undefined {
    return undefined;
  }
  close(): void {}
}
