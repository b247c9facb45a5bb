/**
 * ECMA-419 IO typings from @moddable/typings that tsconfig.device.json does
 * not list (it names a few files explicitly because the package's `types`
 * array cannot be loaded): the UDP socket and its common types.
 */
/// <reference path="../../../node_modules/@moddable/typings/embedded_io/_common.d.ts" />
/// <reference path="../../../node_modules/@moddable/typings/embedded_io/socket/udp.d.ts" />
