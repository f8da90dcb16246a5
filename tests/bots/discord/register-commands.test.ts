import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { catalogOf, translate, type MessageKey } from '#core';
import { registerCommands } from '#bots/discord/register-commands';
import { startFakeDiscord, type FakeDiscord } from '#tests/fakes/discord-api';

const TOKEN = 'fake-discord-bot-token';
const GUILD_ID = '400000000000000001';
const run = promisify(execFile);

type Command = {
  name: string;
  description: string;
  description_localizations?: Record<string, string>;
  options?: {
    name: string;
    type: number;
    required?: boolean;
    autocomplete?: boolean;
    choices?: { value: string | number }[];
    description_localizations?: Record<string, string>;
  }[];
};

describe('registering the slash commands', () => {
  let fake: FakeDiscord;

  beforeEach(async () => {
    fake = await startFakeDiscord({ token: TOKEN });
  });
  afterEach(async () => {
    await fake.close();
  });

  it('PUTs the whole command set globally with descriptions from the catalog, localized for each language', async () => {
    const registered = await registerCommands({
      token: TOKEN,
      applicationId: fake.application.id,
      apiUrl: fake.restUrl,
    });
    const put = await fake.waitForRequest((r) => r.method === 'PUT');
    expect(put.path).toBe(`/applications/${fake.application.id}/commands`);
    expect(put.authorization).toBe(`Bot ${TOKEN}`);
    const commands = put.json as Command[];
    expect(commands.map((command) => command.name).sort()).toEqual(
      [
        'appeal',
        'balance',
        'buy',
        'cancel',
        'deleteme',
        'help',
        'history',
        'imagine',
        'link',
        'models',
        'mydata',
        'privacy',
        'start',
        'support',
        'templates',
        'terms',
        'video',
        'settings',
      ].sort(),
    );
    const en = catalogOf('en');
    const zh = catalogOf('zh-CN');
    /** Discord's locales we speak (https://discord.com/developers/docs/reference#locales), each with its text. */
    const localizationsOf = (key: MessageKey) => ({
      'zh-CN': translate('zh-CN', key),
      'zh-TW': translate('zh-TW', key),
      ru: translate('ru', key),
      'es-ES': translate('es', key),
      'es-419': translate('es', key),
      'pt-BR': translate('pt-BR', key),
      ja: translate('ja', key),
      id: translate('id', key),
    });
    for (const command of commands) {
      const key = `command.${command.name}` as keyof typeof en;
      expect(command.description, command.name).toBe(en[key]);
      expect(command.description_localizations, command.name).toEqual(localizationsOf(key));
      for (const text of Object.values(command.description_localizations ?? {}))
        expect(text.length).toBeLessThanOrEqual(100);
    }
    const imagine = commands.find((command) => command.name === 'imagine');
    expect(imagine?.options?.map((option) => [option.name, option.type, option.required ?? false])).toEqual([
      ['prompt', 3, true],
      ['template', 3, false],
      ['aspect', 3, false],
      ['count', 4, false],
      ['image', 11, false],
      ['model', 3, false],
    ]);
    expect(imagine?.options?.find((option) => option.name === 'template')?.autocomplete).toBe(true);
    expect(imagine?.options?.find((option) => option.name === 'prompt')?.description_localizations).toEqual(
      localizationsOf('option.prompt'),
    );
    expect(imagine?.options?.find((option) => option.name === 'prompt')?.description_localizations?.['zh-CN']).toBe(
      zh['option.prompt'],
    );
    expect(imagine?.options?.find((option) => option.name === 'model')?.autocomplete).toBe(true);
    const video = commands.find((command) => command.name === 'video');
    expect(video?.options?.find((option) => option.name === 'seconds')?.choices?.map((choice) => choice.value)).toEqual(
      [4, 5, 6, 8],
    );
    expect(video?.options?.find((option) => option.name === 'model')?.autocomplete).toBe(true);
    const appeal = commands.find((command) => command.name === 'appeal');
    expect(appeal?.options?.map((option) => [option.name, option.type, option.required ?? false])).toEqual([
      ['text', 3, true],
    ]);
    expect(appeal?.options?.[0]?.description_localizations).toEqual(localizationsOf('option.appeal_text'));
    expect(registered).toHaveLength(commands.length);
    expect(fake.commands().map((command) => command.name)).toEqual(commands.map((command) => command.name));
  });

  it('npm run discord:register -- --guild <id> registers to that server and prints one line', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'discord-register-'));
    try {
      const { stdout } = await run(
        process.execPath,
        ['--import', 'tsx', 'bots/discord/register-commands-cli.ts', '--guild', GUILD_ID],
        {
          cwd: path.resolve(import.meta.dirname, '../../..'),
          env: {
            PATH: process.env.PATH ?? '',
            DATA_DIR: dataDir,
            DISCORD_TOKEN: TOKEN,
            DISCORD_APPLICATION_ID: fake.application.id,
            DISCORD_API_URL: fake.restUrl,
          },
        },
      );
      expect(stdout).toMatch(
        new RegExp(`^registered 18 commands in guild ${GUILD_ID}: /start /imagine .*/cancel /appeal\\n$`),
      );
      expect(fake.commands(GUILD_ID)).toHaveLength(18);
      expect(fake.commands()).toHaveLength(0);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
