// The hash recorded on each container at creation; a running container whose spec hash differs from
// the desired spec's is restarted. Only fields that define the running process take part.
import type { Container } from "../api/pod.ts";
import { hashObject } from "./hash.ts";

const HASHED_FIELDS = [
  "name",
  "image",
  "command",
  "args",
  "workingDir",
  "ports",
  "env",
  "envFrom",
  "volumeMounts",
  "securityContext",
  "stdin",
  "tty",
] as const satisfies readonly (keyof Container)[];

export function containerHash(c: Container): string {
  return hashObject(Object.fromEntries(HASHED_FIELDS.map((k) => [k, c[k]])));
}
