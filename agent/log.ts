// Structured logging. One logger is created by the CLI and passed down; modules take a `Logger`
// (usually a child with their own fields) in their constructor.
import { pino } from "pino";

export type Logger = pino.Logger;

export function createLogger(level: string = process.env.NODELET_LOG_LEVEL ?? "info"): Logger {
  return pino({ level, base: { component: "nodelet" } });
}

/** A logger that drops everything, for unit tests. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
