// A tiny CRI readiness probe for the harness: calls runtime.v1.ImageService/ImageStatus with
// hand-encoded protobuf, so it needs neither the CRI proto file nor the project's CRI client.
// "Ready" = the CRI plugin is initialized and its image cache knows every given image
// (images imported with ctr reach that cache through an asynchronous event).
import { Client, credentials } from "@grpc/grpc-js";

const IMAGE_STATUS = "/runtime.v1.ImageService/ImageStatus";

function varint(n: number): Buffer {
  const bytes: number[] = [];
  let v = n;
  while (v >= 0x80) {
    bytes.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

function lengthDelimited(field: number, payload: Buffer): Buffer {
  return Buffer.concat([varint((field << 3) | 2), varint(payload.length), payload]);
}

/** ImageStatusRequest{ image: ImageSpec{ image: ref } } */
export function encodeImageStatusRequest(ref: string): Buffer {
  return lengthDelimited(1, lengthDelimited(1, Buffer.from(ref, "utf8")));
}

/** Whether an ImageStatusResponse carries field 1 (`image`); it is absent for unknown images. */
export function responseHasImage(buf: Buffer): boolean {
  let i = 0;
  const readVarint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = buf[i++];
      if (b === undefined) throw new Error("truncated protobuf");
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
      shift += 7;
    }
  };
  while (i < buf.length) {
    const tag = readVarint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (field === 1 && wire === 2) return true;
    if (wire === 0) readVarint();
    else if (wire === 2) {
      const length = readVarint(); // not `i += readVarint()`: that reads i before the call moves it
      i += length;
    } else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else throw new Error(`unexpected wire type ${wire}`);
  }
  return false;
}

function imageKnown(client: Client, ref: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      IMAGE_STATUS,
      (r: string) => encodeImageStatusRequest(r),
      (b: Buffer) => b,
      ref,
      { deadline: Date.now() + 2000 },
      (err, value) => {
        if (err) reject(err);
        else resolve(value !== undefined && responseHasImage(value));
      },
    );
  });
}

/** Polls until CRI reports every ref, or throws after timeoutMs with the last error seen. */
export async function waitForCriImages(
  socketPath: string,
  refs: readonly string[],
  timeoutMs = 15_000,
): Promise<void> {
  const client = new Client(`unix://${socketPath}`, credentials.createInsecure());
  const deadline = Date.now() + timeoutMs;
  let last = "";
  try {
    for (;;) {
      try {
        const known = await Promise.all(refs.map((ref) => imageKnown(client, ref)));
        if (known.every(Boolean)) return;
        last = `CRI does not list yet: ${refs.filter((_, i) => !known[i]).join(", ")}`;
      } catch (err) {
        last = (err as Error).message;
      }
      if (Date.now() > deadline) throw new Error(`CRI not ready after ${timeoutMs} ms: ${last}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    client.close();
  }
}
