/** Shared by test/xs/board-mesh.test.ts (V8) and its XS entry. */
export const BOARD_MESH_BOARDS = 4;
export const BOARD_MESH_DURATION_MS = 60_000;
