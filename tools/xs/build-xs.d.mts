export declare const XSNAP_PACKAGE: string;
export declare const XSNAP_VERSION: string;
export declare const XSNAP_INTEGRITY: string;
export declare const repoRoot: string;
export type XsVariant = "native" | "m32";
export declare function xsBinaryPath(variant?: XsVariant): string;
export declare function buildXs(options?: { force?: boolean; variant?: XsVariant }): string;
/** Command prefix that runs a 32-bit static program here (empty, or qemu-i386-static). */
export declare function ensure32BitToolchain(): string[];
