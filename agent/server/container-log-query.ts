// The query of a container log request (v1 PodLogOptions as query parameters), decoded and
// validated the way the kubelet does: a value that does not parse is a 400, a parsed value that is
// not allowed (negative tailLines, sinceTime with sinceSeconds, ...) a 422.
import { parseRfc3339Ms } from "../logs/cri-log-format.ts";
import type { ReadContainerLogOptions } from "../logs/read-container-log.ts";

export type LogStreamChoice = "All" | "Stdout" | "Stderr";

export interface ContainerLogQuery {
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  limitBytes?: number;
  sinceSeconds?: number;
  /** Milliseconds since the epoch. */
  sinceTimeMs?: number;
  stream: LogStreamChoice;
}

export class LogQueryError extends Error {
  readonly httpStatus: 400 | 422;
  constructor(httpStatus: 400 | 422, message: string) {
    super(message);
    this.httpStatus = httpStatus;
  }
}

/** Query booleans as the API decodes them: present and not "0"/"false" is true. */
function flag(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  if (v === null) return false;
  return v !== "0" && v.toLowerCase() !== "false";
}

function integer(q: URLSearchParams, name: string, raw = q.get(name)): number | undefined {
  if (raw === null) return undefined;
  if (!/^[+-]?\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw new LogQueryError(400, `unable to decode query: ${name}: "${raw}" is not an integer`);
  }
  return Number(raw);
}

export function parseContainerLogQuery(q: URLSearchParams): ContainerLogQuery {
  // `tail` is the old name of tailLines; "all" means no limit.
  const tail = q.get("tail");
  const tailRaw = tail !== null && tail !== "" ? (tail === "all" ? null : tail) : q.get("tailLines");
  const tailLines = integer(q, "tailLines", tailRaw);
  const limitBytes = integer(q, "limitBytes");
  const sinceSeconds = integer(q, "sinceSeconds");
  const sinceTimeText = q.get("sinceTime");
  let sinceTimeMs: number | undefined;
  if (sinceTimeText !== null) {
    sinceTimeMs = parseRfc3339Ms(sinceTimeText);
    if (Number.isNaN(sinceTimeMs)) {
      throw new LogQueryError(
        400,
        `unable to decode query: sinceTime: "${sinceTimeText}" is not an RFC 3339 time`,
      );
    }
  }
  const stream = q.get("stream") ?? "All";

  const invalid: string[] = [];
  if (tailLines !== undefined && tailLines < 0)
    invalid.push(`tailLines: Invalid value: ${tailLines}: must be greater than or equal to 0`);
  if (limitBytes !== undefined && limitBytes < 1)
    invalid.push(`limitBytes: Invalid value: ${limitBytes}: must be greater than 0`);
  if (sinceSeconds !== undefined && sinceTimeMs !== undefined)
    invalid.push("Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified");
  else if (sinceSeconds !== undefined && sinceSeconds < 1)
    invalid.push(`sinceSeconds: Invalid value: ${sinceSeconds}: must be greater than 0`);
  if (stream !== "All" && stream !== "Stdout" && stream !== "Stderr")
    invalid.push(`stream: Unsupported value: "${stream}": supported values: "All", "Stderr", "Stdout"`);
  else if (stream !== "All" && tailLines !== undefined)
    invalid.push("Forbidden: `tailLines` and specific `stream` are mutually exclusive for now");
  if (invalid.length > 0) throw new LogQueryError(422, `invalid log options: ${invalid.join(", ")}`);

  return {
    follow: flag(q, "follow"),
    previous: flag(q, "previous"),
    timestamps: flag(q, "timestamps"),
    ...(tailLines !== undefined ? { tailLines } : {}),
    ...(limitBytes !== undefined ? { limitBytes } : {}),
    ...(sinceSeconds !== undefined ? { sinceSeconds } : {}),
    ...(sinceTimeMs !== undefined ? { sinceTimeMs } : {}),
    stream: stream as LogStreamChoice,
  };
}

/** What the log reader is asked for; sinceSeconds counts back from `nowMs`. */
export function logReadOptions(q: ContainerLogQuery, nowMs: number): ReadContainerLogOptions {
  const sinceMs = q.sinceSeconds !== undefined ? nowMs - q.sinceSeconds * 1000 : q.sinceTimeMs;
  return {
    follow: q.follow,
    timestamps: q.timestamps,
    stream: q.stream === "Stdout" ? "stdout" : q.stream === "Stderr" ? "stderr" : "all",
    ...(q.tailLines !== undefined ? { tailLines: q.tailLines } : {}),
    ...(q.limitBytes !== undefined ? { limitBytes: q.limitBytes } : {}),
    ...(sinceMs !== undefined ? { sinceTime: new Date(sinceMs) } : {}),
  };
}
