export declare const XSNAP_PACKAGE: string;
export declare const XSNAP_VERSION: string;
export declare const XSNAP_INTEGRITY: string;
export declare const repoRoot: string;
export declare function xsBinaryPath(): string;
export declare function buildXs(options?: { force?: boolean }): string;
