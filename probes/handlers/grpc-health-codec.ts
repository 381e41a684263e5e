// Hand-written protobuf codec for grpc.health.v1 (two one-field messages), so probing needs no
// .proto file or reflection:
//   message HealthCheckRequest  { string service = 1; }
//   message HealthCheckResponse { ServingStatus status = 1; }

export const HEALTH_CHECK_PATH = "/grpc.health.v1.Health/Check";

export const SERVING_STATUS = ["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"] as const;
export type ServingStatus = (typeof SERVING_STATUS)[number];

function encodeVarint(n: number, out: number[]): void {
  let v = n >>> 0;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
}

function decodeVarint(buf: Buffer, pos: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  let i = pos;
  while (i < buf.length) {
    const b = buf[i++]!;
    if (shift < 32) value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [value, i];
    shift += 7;
  }
  throw new Error("truncated varint");
}

/** Walks the fields of a message, calling `onVarint`/`onBytes` for field numbers it is asked about. */
function walk(
  buf: Buffer,
  onVarint: (field: number, v: number) => void,
  onBytes: (field: number, b: Buffer) => void,
) {
  let pos = 0;
  while (pos < buf.length) {
    const [key, afterKey] = decodeVarint(buf, pos);
    const field = Math.floor(key / 8);
    const wire = key & 7;
    pos = afterKey;
    if (wire === 0) {
      const [v, next] = decodeVarint(buf, pos);
      onVarint(field, v);
      pos = next;
    } else if (wire === 2) {
      const [len, next] = decodeVarint(buf, pos);
      onBytes(field, buf.subarray(next, next + len));
      pos = next + len;
    } else if (wire === 1) {
      pos += 8;
    } else if (wire === 5) {
      pos += 4;
    } else {
      throw new Error(`unsupported wire type ${wire}`);
    }
  }
}

function encodeStringField(field: number, value: string): Buffer {
  if (value === "") return Buffer.alloc(0);
  const bytes = Buffer.from(value, "utf8");
  const head: number[] = [];
  encodeVarint(field * 8 + 2, head);
  encodeVarint(bytes.length, head);
  return Buffer.concat([Buffer.from(head), bytes]);
}

export function encodeHealthCheckRequest(req: { service: string }): Buffer {
  return encodeStringField(1, req.service);
}

export function decodeHealthCheckRequest(buf: Buffer): { service: string } {
  let service = "";
  walk(
    buf,
    () => {},
    (field, b) => {
      if (field === 1) service = b.toString("utf8");
    },
  );
  return { service };
}

export function encodeHealthCheckResponse(res: { status: ServingStatus }): Buffer {
  const n = SERVING_STATUS.indexOf(res.status);
  if (n <= 0) return Buffer.alloc(0);
  const out: number[] = [];
  encodeVarint(8, out);
  encodeVarint(n, out);
  return Buffer.from(out);
}

export function decodeHealthCheckResponse(buf: Buffer): { status: ServingStatus | `${number}` } {
  let status: ServingStatus | `${number}` = "UNKNOWN";
  walk(
    buf,
    (field, v) => {
      if (field === 1) status = SERVING_STATUS[v] ?? `${v}`;
    },
    () => {},
  );
  return { status };
}
