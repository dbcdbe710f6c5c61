/**
 * The lazy command table (src/cli/families.ts) must say exactly what the families register, and
 * the program must load the family of the command it runs and nothing else.
 */
import { Command, Help } from 'commander';
import { FAMILIES, familyOf } from '../../../src/cli/families.ts';
import { commandWord, createProgram, rootProgram } from '../../../src/cli/program.ts';

/** Every family loaded, as the CLI was before it loaded lazily. */
async function fullProgram(): Promise<Command> {
  const program = rootProgram();
  for (const family of FAMILIES) (await family.load()).register(program);
  return program;
}

describe('the command table', () => {
  it.each(FAMILIES.map((f) => [f.family, f] as const))('lists exactly what family %s registers', async (_name, family) => {
    const program = new Command();
    (await family.load()).register(program);
    const help = new Help();
    const registered = program.commands.map((c) => ({ name: c.name(), term: help.subcommandTerm(c), description: c.description() }));
    expect(family.commands).toEqual(registered);
  });

  it('names every top-level command once', () => {
    const names = FAMILIES.flatMap((f) => f.commands.map((c) => c.name));
    expect(new Set(names).size).toBe(names.length);
    expect(familyOf('seal-token')?.family).toBe('stake');
    expect(familyOf('help')).toBeUndefined();
  });

  it('top-level help from the table, without loading, is the help with every family loaded', async () => {
    const full = await fullProgram();
    const lazy = await createProgram([]);
    expect(lazy.helpInformation()).toBe(full.helpInformation());
    expect(lazy.helpInformation()).toMatch(/token \[options\] +print a seal_\.\.\. bearer token/);
  });
});

describe('commandWord', () => {
  it.each([
    [['token', '--seal-token', '0x1'], 'token'],
    [['--key', 'suiprivkey1x', 'token'], 'token'],
    [['--output=json', '--network', 'local', 'stake', 'show'], 'stake'],
    [['help', 'binding', 'create'], 'binding'],
    [['--output', 'json', 'seal-token', 'create'], 'seal-token'],
  ])('%j runs %s', (args, word) => {
    expect(commandWord(args)).toBe(word);
  });

  it.each([[[]], [['--help']], [['help']], [['--network']], [['--bogus', 'token']], [['-h', 'token']]])('%j runs no command', (args) => {
    expect(commandWord(args)).toBeUndefined();
  });
});

describe('createProgram', () => {
  it('registers only the family of the command it runs', async () => {
    expect((await createProgram(['--key', 'k', 'token', '--help'])).commands.map((c) => c.name())).toEqual(['token']);
    expect((await createProgram(['slash', '--stake-record', '0x1'])).commands.map((c) => c.name())).toEqual(
      FAMILIES.find((f) => f.family === 'stake')!.commands.map((c) => c.name),
    );
  });

  it('gives an unknown command placeholders, so commander names it and suggests the closest', async () => {
    const program = await createProgram(['tokn']);
    expect(program.commands.map((c) => c.name())).toEqual(FAMILIES.flatMap((f) => f.commands.map((c) => c.name)));
    let error = '';
    program.exitOverride().configureOutput({ writeErr: (text) => (error += text), outputError: (text) => (error += text) });
    await expect(program.parseAsync(['tokn'], { from: 'user' })).rejects.toThrow();
    expect(error).toMatch(/unknown command 'tokn'\n\(Did you mean token\?\)/);
  });
});
