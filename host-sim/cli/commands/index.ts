/** Every `picket` subcommand, in help order. Add one line per new command module. */
import type { Command } from "../command";
import { buildCommand } from "./build";
import { demoCommand } from "./demo";
import { siteCommand } from "./site";
import { xsCommand } from "./xs";
import { simCommand } from "./sim";
import { keygenCommand } from "./keygen";
import { certCommand } from "./cert";
import { merkleCommand } from "./merkle";
import { inspectCommand } from "./inspect";
import { provisionCommand } from "./provision";

export const COMMANDS: readonly Command[] = Object.freeze([siteCommand, demoCommand, buildCommand, xsCommand, simCommand, keygenCommand, certCommand, provisionCommand, merkleCommand, inspectCommand]);
