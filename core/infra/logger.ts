import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/** Paths whose values never reach a log line: tokens, passwords, keys and emails. */
export const REDACTED_PATHS = [
  'token',
  '*.token',
  'password',
  '*.password',
  'passwordHash',
  '*.passwordHash',
  'apiKey',
  '*.apiKey',
  'secret',
  '*.secret',
  'email',
  '*.email',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'cookie',
  '*.cookie',
];

const SECRET_IN_TEXT = [
  /\bbot\d+:[\w-]{20,}/g, // Telegram bot token inside an API URL
  /\b(sk|rk|pk|whsec)_(live|test)?_?[\w]{8,}/g, // Stripe-style keys
  /\bsk-[\w-]{10,}/g, // OpenAI / OpenRouter keys
  /\bAIza[\w-]{20,}/g, // Google API keys
  /[\w.+-]+@[\w-]+\.[\w.-]+/g, // emails
];

/** Removes secrets and emails that leaked into free text such as an error message. */
export function redactText(text: string): string {
  return SECRET_IN_TEXT.reduce((result, pattern) => result.replace(pattern, '[redacted]'), text);
}

/**
 * The process logger: JSON lines with secrets redacted by path and, in error messages, by
 * pattern. Callers make child loggers per update, request and job with their ids.
 */
export function createLogger(options: { level: string; name?: string; destination?: pino.DestinationStream }): Logger {
  const config: LoggerOptions = {
    level: options.level,
    base: { name: options.name ?? 'imagine' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: {
      err: (error: unknown) => {
        const serialized = pino.stdSerializers.err(error as Error);
        if (serialized?.message) serialized.message = redactText(serialized.message);
        if (serialized?.stack) serialized.stack = redactText(serialized.stack);
        return serialized;
      },
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}
