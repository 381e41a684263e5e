// Splitting a manifest file into objects: YAML (several documents) or JSON, each with its position
// so that errors can name the file and the document.
import { parseAllDocuments } from "yaml";

export interface ManifestObject {
  file: string;
  /** 0-based index of the document in the file. */
  index: number;
  object: unknown;
}

export interface ManifestError {
  file: string;
  index?: number;
  field?: string;
  reason: string;
}

export interface ParsedFile {
  objects: ManifestObject[];
  errors: ManifestError[];
}

export function parseManifestFile(file: string, text: string): ParsedFile {
  const objects: ManifestObject[] = [];
  const errors: ManifestError[] = [];
  if (file.endsWith(".json")) {
    try {
      pushObject(file, 0, JSON.parse(text), objects);
    } catch (err) {
      errors.push({ file, reason: `invalid JSON: ${(err as Error).message}` });
    }
    return { objects, errors };
  }
  const docs = parseAllDocuments(text, { prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [];
  list.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      errors.push({ file, index, reason: `invalid YAML: ${e.message.split("\n")[0]}` });
      return;
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return; // an empty document
    pushObject(file, index, value, objects);
  });
  return { objects, errors };
}

/** A `kind: List` (as `kubectl get -o yaml` writes) contributes its items. */
function pushObject(file: string, index: number, value: unknown, out: ManifestObject[]): void {
  const v = value as { kind?: unknown; items?: unknown };
  if (v && typeof v === "object" && v.kind === "List" && Array.isArray(v.items)) {
    for (const item of v.items) out.push({ file, index, object: item });
    return;
  }
  out.push({ file, index, object: value });
}

export function formatManifestError(e: ManifestError): string {
  const where = e.index === undefined ? e.file : `${e.file} (document ${e.index + 1})`;
  return e.field ? `${where}: ${e.field}: ${e.reason}` : `${where}: ${e.reason}`;
}
