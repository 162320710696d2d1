/**
 * commander, told where each option falls among the operands. `sha512sum x -c a` checks x, then
 * a; commander keeps operands and option values apart and says nothing of their order. So
 * {@link OrderedCommand.parseOptions} lets commander parse one stretch of options at a time (up
 * to the next operand, with passThroughOptions) and counts the operands in between: a listener
 * on `option:NAME` reads {@link OrderedCommand.operandsSeen} to know how many came before it.
 *
 * The class is made on first use, from commander loaded then (args.ts: a command line of
 * operands only never loads it).
 */
import { createRequire } from 'node:module';
import type { Command, ParseOptionsResult } from 'commander';
import { inBin } from '../backend-modules.js';

type Commander = typeof import('commander');
let loaded: Commander | undefined;
/**
 * commander, loaded on first use. The bin (CommonJS, tsup.config.ts) has it as dist/commander.cjs,
 * one file beside it (no package resolution, and node:child_process only on first use); from
 * source (ES modules: the tests) it is the package.
 */
export const commander = (): Commander =>
  (loaded ??= (inBin ? require('./commander.cjs') : createRequire(import.meta.url)('commander')) as Commander);

/** A commander Command that counts the operands met while parsing. */
export interface OrderedCommand extends Command {
  /** Operands met so far while parsing (read it from an `option:*` listener). */
  operandsSeen: number;
}

let made: (new (name: string) => OrderedCommand) | undefined;

/** A new {@link OrderedCommand} named `name`. */
export function orderedCommand(name: string): OrderedCommand {
  made ??= defineClass(commander().Command);
  return new made(name);
}

function defineClass(Base: typeof Command): new (name: string) => OrderedCommand {
  return class extends Base implements OrderedCommand {
    operandsSeen = 0;

    constructor(name: string) {
      super(name);
      // commander then stops at the first operand and returns it with the unparsed rest.
      this.passThroughOptions();
    }

    override parseOptions(args: string[]): ParseOptionsResult {
      const operands: string[] = [];
      let rest = args;
      for (;;) {
        const parsed = super.parseOptions(rest);
        // An unknown option (commander reports it), or nothing left.
        if (parsed.unknown.length > 0 || parsed.operands.length === 0) return { operands: [...operands, ...parsed.operands], unknown: parsed.unknown };
        // Everything after `--` is an operand. (A `--` consumed as an option's value, as in
        // `--exclude -- x`, looks the same here: options after x are then taken as operands.)
        const start = rest.length - parsed.operands.length;
        if (rest[start - 1] === '--') return { operands: [...operands, ...parsed.operands], unknown: [] };
        operands.push(parsed.operands[0]!);
        this.operandsSeen = operands.length;
        rest = parsed.operands.slice(1);
      }
    }
  };
}
