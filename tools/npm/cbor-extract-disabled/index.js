// cbor-x loads its optional native accelerator inside try/catch and falls back
// to its JavaScript decoder when loading fails. Picket wants that fallback on
// every engine: the board (XS) can only run the JavaScript path, and decoding
// must behave identically on V8 and XS (docs/architecture.md "Rules").
throw new Error("cbor-extract is disabled in Picket: cbor-x uses its JavaScript decoder everywhere");
