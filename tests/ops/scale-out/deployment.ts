import type { Role } from '#core';
import { freePort } from '#tests/support/free-port';
import { ServiceProcess } from '#tests/ops/scale-out/service-process';

/** What every process of a {@link Deployment} shares. */
export type DeploymentSettings = {
  /** A migrated PostgreSQL database (processes start with AUTO_MIGRATE=false). */
  databaseUrl: string;
  redisUrl: string;
  /** DATA_DIR: media written by a worker is read by the web process. */
  dataDir: string;
  /** The fake Bot API's root (`FakeTelegram.apiRoot`). */
  telegramApiRoot: string;
  /** `<bot id>:<secret>`; see {@link Deployment.tokenOf}. */
  botToken: string;
  /** Extra environment of every process, e.g. DEMO_PROVIDER_LATENCY_MS and PROVIDER_LIMITS. */
  env?: Record<string, string>;
};

type Started = { roles: readonly Role[]; env: Record<string, string>; process: ServiceProcess };

/**
 * One deployment of main.ts processes with separate roles (web, workers, the Telegram bot) on one
 * database and one Redis, configured only through the environment, as in production
 * (NODE_ENV=production). Each process has a name; it can be killed and started again with the
 * same environment.
 *
 * Each process talks to the fake Bot API with its own spelling of the bot token (same bot id),
 * which the fake accepts and records with every call: that is how a test tells which worker
 * delivered which picture, since the product logs nothing per job at info level.
 */
export class Deployment {
  readonly webUrl: string;
  private readonly started = new Map<string, Started>();
  private readonly incarnations: ServiceProcess[] = [];

  private constructor(
    readonly settings: DeploymentSettings,
    private readonly webPort: number,
  ) {
    this.webUrl = `http://127.0.0.1:${webPort}`;
  }

  static async create(settings: DeploymentSettings): Promise<Deployment> {
    return new Deployment(settings, await freePort());
  }

  /** The token process `name` uses: the bot's own for `telegram`, a variant naming the process otherwise. */
  tokenOf(name: string): string {
    return name === 'telegram' ? this.settings.botToken : `${this.settings.botToken}_${name.replace(/[^\w-]/g, '_')}`;
  }

  /** The process that sent a Bot API call with `token`, if it is one of ours. */
  senderOf(token: string): string | undefined {
    return [...this.started.keys()].find((name) => this.tokenOf(name) === token);
  }

  /** Starts main.ts as `name` with `roles` and resolves once it is ready. */
  async start(name: string, roles: readonly Role[], env: Record<string, string> = {}): Promise<ServiceProcess> {
    if (this.started.get(name)?.process.isRunning) throw new Error(`${name} is already running`);
    const service = await ServiceProcess.start(name, this.envOf(name, roles, env));
    this.started.set(name, { roles, env, process: service });
    this.incarnations.push(service);
    return service;
  }

  /** SIGKILL `name` (if it runs) and start it again with the same roles and environment. */
  async restart(name: string): Promise<ServiceProcess> {
    const entry = this.started.get(name);
    if (!entry) throw new Error(`${name} was never started`);
    await entry.process.kill();
    return this.start(name, entry.roles, entry.env);
  }

  process(name: string): ServiceProcess {
    const entry = this.started.get(name);
    if (!entry) throw new Error(`${name} was never started`);
    return entry.process;
  }

  /** Every process started under a name, its latest incarnation. */
  processes(): ServiceProcess[] {
    return [...this.started.values()].map((entry) => entry.process);
  }

  /** Every process ever started, restarted ones included, in start order. */
  history(): readonly ServiceProcess[] {
    return this.incarnations;
  }

  /**
   * SIGTERM every running process, intake first (web, bot) then workers, as an orchestrator would;
   * resolves with the exit codes by name.
   */
  async stopAll(): Promise<Record<string, number | null>> {
    const codes: Record<string, number | null> = {};
    const intake = [...this.started.entries()].filter(([, entry]) => !entry.roles.includes('worker'));
    const workers = [...this.started.entries()].filter(([, entry]) => entry.roles.includes('worker'));
    for (const group of [intake, workers]) {
      await Promise.all(
        group.map(async ([name, entry]) => {
          codes[name] = await entry.process.stop();
        }),
      );
    }
    return codes;
  }

  private envOf(name: string, roles: readonly Role[], extra: Record<string, string>): Record<string, string> {
    const { settings } = this;
    return {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'production',
      SESSION_SECRET: 'scale-out-session-secret-0123456789abcdef',
      METRICS_TOKEN: 'scale-out-metrics-token',
      PUBLIC_URL: this.webUrl,
      HOST: '127.0.0.1',
      PORT: String(this.webPort),
      ROLES: roles.join(','),
      LOG_LEVEL: 'info',
      DATABASE_URL: settings.databaseUrl,
      REDIS_URL: settings.redisUrl,
      DATA_DIR: settings.dataDir,
      AUTO_MIGRATE: 'false',
      SHUTDOWN_TIMEOUT_SECONDS: '10',
      TELEGRAM_BOT_TOKEN: this.tokenOf(name),
      TELEGRAM_API_ROOT: settings.telegramApiRoot,
      ...settings.env,
      ...extra,
    };
  }
}
