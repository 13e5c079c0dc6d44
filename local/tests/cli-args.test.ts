import { flag, parseCliArgs, positional, switchOn, UsageError } from '../src/cli-common';
import { runCli } from '../src/cli';

describe('parseCliArgs()', () => {
  it('reads options in both spellings, switches and the words after the command', () => {
    const args = [
      'campaign',
      'import',
      '--limit=5',
      'c-1',
      '--org',
      'acme',
      'file.csv',
      '--misrouted',
    ];
    expect(flag(args, 'limit')).toBe('5');
    expect(flag(args, 'org')).toBe('acme');
    expect(flag(args, 'csv', 'none')).toBe('none');
    expect(switchOn(args, 'misrouted')).toBe(true);
    expect(positional(args, 0, 'a campaign id')).toBe('c-1');
    expect(positional(args, 1, 'a file')).toBe('file.csv');
    expect(() => positional(args, 2, 'a third word')).toThrow('a third word is required');
  });

  it.each([
    [['org', 'add', '--nmae', 'Acme'], "Unknown option '--nmae'"],
    [['webhooks', 'list', '--limit'], "Option '--limit <value>' argument missing"],
  ])('refuses %j with a usage error naming the option', (args, message) => {
    expect(() => parseCliArgs(args)).toThrow(UsageError);
    expect(() => parseCliArgs(args)).toThrow(message);
  });
});

describe('runCli()', () => {
  it('refuses an unknown option before doing anything', async () => {
    await expect(runCli(['org', 'list', '--orgg', 'acme'], () => {})).rejects.toThrow(
      "Unknown option '--orgg'",
    );
  });
});
