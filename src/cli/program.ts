/**
 * Builds the `daas-auth` commander program for one run, importing only the command family the
 * arguments name (see families.ts for why). With no command, an unknown one, or top-level help,
 * the program gets placeholders built from the table: the same listing, names and "did you mean"
 * suggestions as with every family loaded, and nothing imported.
 */
import { Command, Help, type HelpConfiguration, type Option } from 'commander';
import { FAMILIES, familyOf, type CommandSummary } from './families.ts';
import { addGlobalOptions, checkGlobals } from './globals.ts';
import { versionLine } from './version.ts';

export { addGlobalOptions } from './globals.ts';

/**
 * The top-level command the arguments (argv without node and script) run, found the way commander
 * finds it: the first operand after the global options (so `--key K token` and `token --key K`
 * both give `token`); for `help X` it is X. Undefined when there is none or the global options are
 * malformed: the real parse then reports the problem.
 */
export function commandWord(args: readonly string[]): string | undefined {
  const probe = addGlobalOptions(new Command())
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} });
  let operands: string[];
  try {
    ({ operands } = probe.parseOptions([...args]));
  } catch {
    return undefined;
  }
  return operands[0] === 'help' ? operands[1] : operands[0];
}

/**
 * Help settings every command inherits (commander copies them to each `.command()`): the global
 * options under each subcommand's own, and required options marked as such.
 */
const HELP: HelpConfiguration = {
  showGlobalOptions: true,
  // Only the root's options count as global: a parent command's own options (`stake --sui`) are not
  // options of its subcommands (`stake show`), whatever commander would list.
  visibleGlobalOptions: (command: Command) => {
    let root = command;
    while (root.parent) root = root.parent;
    return root === command ? [] : root.options.filter((option) => !option.hidden && option.long !== '--version');
  },
  optionDescription: (option: Option) => {
    const text = new Help().optionDescription(option);
    return option.mandatory ? `${text} (required)` : text;
  },
};

/** The program with its global options and settings, and no commands yet. */
export function rootProgram(): Command {
  return addGlobalOptions(
    new Command('daas-auth').description('Stake-secured Kubernetes authentication on Sui: webhook, controller, CLI and local sui-sim'),
  )
    .version(versionLine(), '-V, --version', 'print the version and the commit it was built from')
    .configureHelp(HELP)
    .configureOutput({ outputError: (text, write) => write(oneLine(text)) })
    .hook('preAction', (_root, action) => checkGlobals(action));
}

/** commander's parse errors as one `daas-auth: ...` line, with where to look. */
function oneLine(text: string): string {
  return `daas-auth: ${text.replace(/^error: /, '').trim().replace(/\s*\n\s*/g, ' ')} (add --help for usage)\n`;
}

/** The program for these arguments, with the one family it needs registered (or the placeholders). */
export async function createProgram(args: readonly string[]): Promise<Command> {
  const program = rootProgram();
  const word = commandWord(args);
  const family = word === undefined ? undefined : familyOf(word);
  if (family) (await family.load()).register(program);
  else addPlaceholders(program, FAMILIES.flatMap((f) => f.commands));
  return program;
}

/** Unloaded stand-ins for the listing: commander shows each with the table's term. */
function addPlaceholders(program: Command, commands: readonly CommandSummary[]): void {
  const terms = new Map<Command, string>();
  for (const { name, term, description } of commands) {
    const placeholder = program
      .command(name)
      .description(description)
      .action(() => {
        // Unreachable: a known command word loads its real family before parsing.
        throw new Error(`internal error: command ${name} was not loaded`);
      });
    terms.set(placeholder, term);
  }
  const standard = new Help();
  program.configureHelp({ ...HELP, subcommandTerm: (command) => terms.get(command) ?? standard.subcommandTerm(command) });
}
