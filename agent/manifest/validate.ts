// Validation of a Pod manifest: the checks the API server would reject a pod for (upstream
// pkg/apis/core/validation ValidatePodCreate, the parts that matter to a node), with upstream
// field paths and messages. The object is defaulted first (as the API server does) and must be
// well-typed; unknown fields only produce warnings.
import type { Pod } from "../api/pod.ts";
import { parseQuantity, type Quantity, QuantityError } from "../resources/quantity.ts";
import { applyPodDefaults } from "./defaults.ts";
import {
  duplicate,
  type FieldError,
  type FieldWarning,
  forbidden,
  invalid,
  notFound,
  notSupported,
  required,
  typeError,
} from "./field-errors.ts";
import { unknownFieldWarnings, VOLUME_SOURCES } from "./known-fields.ts";
import {
  isConfigMapKey,
  isDNS1123Label,
  isDNS1123Subdomain,
  isEnvVarName,
  isQualifiedName,
  isValidLabelValue,
  isValidPortName,
  isValidPortNum,
} from "./name-rules.ts";

export type { FieldError, FieldWarning } from "./field-errors.ts";

export interface PodValidation {
  /** The defaulted pod, only when there are no errors. */
  pod?: Pod;
  errors: FieldError[];
  warnings: FieldWarning[];
}

export interface ValidateOptions {
  /** Volume types this node can mount; others are errors. Default: SPEC §6 list. */
  supportedVolumeTypes?: readonly string[];
}

export const NODELET_VOLUME_TYPES = [
  "emptyDir",
  "hostPath",
  "configMap",
  "secret",
  "downwardAPI",
  "projected",
  "persistentVolumeClaim",
];

const RESTART_POLICIES = ["Always", "OnFailure", "Never"];
const DNS_POLICIES = ["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"];
const PULL_POLICIES = ["Always", "IfNotPresent", "Never"];
const MESSAGE_POLICIES = ["File", "FallbackToLogsOnError"];
const PROTOCOLS = ["SCTP", "TCP", "UDP"];
const PROPAGATIONS = ["Bidirectional", "HostToContainer", "None"];
const HOST_PATH_TYPES = [
  "",
  "BlockDevice",
  "CharDevice",
  "Directory",
  "DirectoryOrCreate",
  "File",
  "FileOrCreate",
  "Socket",
];
/** fieldRef paths allowed in env (labels/annotations only with a ['key'] subscript). */
const ENV_FIELD_PATHS = [
  "metadata.name",
  "metadata.namespace",
  "metadata.uid",
  "spec.nodeName",
  "spec.serviceAccountName",
  "status.hostIP",
  "status.hostIPs",
  "status.podIP",
  "status.podIPs",
];
const ENV_RESOURCES = [
  "limits.cpu",
  "limits.ephemeral-storage",
  "limits.memory",
  "requests.cpu",
  "requests.ephemeral-storage",
  "requests.memory",
];
const CPU_DIVISORS = ["1m", "1"];
const MEMORY_DIVISORS = ["1", "1k", "1M", "1G", "1T", "1P", "1E", "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei"];
const MAX_INT32 = 2147483647;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isAbsolute(p: string): boolean {
  return p.startsWith("/");
}

function hasBackstep(p: string): boolean {
  return p.split("/").includes("..");
}

class Validator {
  readonly errors: FieldError[] = [];
  readonly supportedVolumes: readonly string[];

  constructor(supportedVolumes: readonly string[]) {
    this.supportedVolumes = supportedVolumes;
  }

  add(e: FieldError): void {
    this.errors.push(e);
  }

  /** Type checks; true when the value is usable. */
  str(v: unknown, path: string, opts: { required?: boolean } = {}): v is string {
    if (v === undefined || v === null) {
      if (opts.required) this.add(required(path));
      return false;
    }
    if (typeof v !== "string") {
      this.add(typeError(path, v, "string"));
      return false;
    }
    if (opts.required && v === "") {
      this.add(required(path));
      return false;
    }
    return true;
  }

  int(v: unknown, path: string): v is number {
    if (v === undefined || v === null) return false;
    if (typeof v !== "number" || !Number.isInteger(v)) {
      this.add(typeError(path, v, "integer"));
      return false;
    }
    return true;
  }

  bool(v: unknown, path: string): void {
    if (v !== undefined && v !== null && typeof v !== "boolean") this.add(typeError(path, v, "boolean"));
  }

  obj(v: unknown, path: string): v is Obj {
    if (v === undefined || v === null) return false;
    if (!isObj(v)) {
      this.add(typeError(path, v, "object"));
      return false;
    }
    return true;
  }

  arr(v: unknown, path: string): v is unknown[] {
    if (v === undefined || v === null) return false;
    if (!Array.isArray(v)) {
      this.add(typeError(path, v, "array"));
      return false;
    }
    return true;
  }

  strings(v: unknown, path: string): void {
    if (!this.arr(v, path)) return;
    v.forEach((s, i) => {
      if (typeof s !== "string") this.add(typeError(`${path}[${i}]`, s, "string"));
    });
  }

  nonNegative(v: unknown, path: string): void {
    if (this.int(v, path) && v < 0) this.add(invalid(path, v, "must be greater than or equal to 0"));
  }

  names(v: string, path: string, rule: (s: string) => string[]): void {
    for (const msg of rule(v)) this.add(invalid(path, v, msg));
  }

  oneOf(v: unknown, path: string, allowed: readonly string[]): void {
    if (v === undefined) return;
    if (typeof v !== "string" || !allowed.includes(v)) this.add(notSupported(path, v, allowed));
  }

  // ---- metadata ----

  stringMap(
    v: unknown,
    path: string,
    keyRule: (s: string) => string[],
    valueRule?: (s: string) => string[],
  ): void {
    if (!this.obj(v, path)) return;
    for (const [k, val] of Object.entries(v)) {
      for (const msg of keyRule(k)) this.add(invalid(path, k, msg));
      if (typeof val !== "string") {
        this.add(typeError(`${path}[${k}]`, val, "string"));
      } else if (valueRule) {
        for (const msg of valueRule(val)) this.add(invalid(path, val, msg));
      }
    }
  }

  metadata(m: unknown): void {
    if (m === undefined) {
      this.add(required("metadata"));
      return;
    }
    if (!this.obj(m, "metadata")) return;
    if (this.str(m["name"], "metadata.name", { required: true })) {
      this.names(m["name"], "metadata.name", isDNS1123Subdomain);
    }
    if (this.str(m["namespace"], "metadata.namespace", { required: true })) {
      this.names(m["namespace"], "metadata.namespace", isDNS1123Label);
    }
    this.stringMap(m["labels"], "metadata.labels", isQualifiedName, isValidLabelValue);
    this.stringMap(m["annotations"], "metadata.annotations", (k) => isQualifiedName(k.toLowerCase()));
  }

  // ---- spec ----

  spec(spec: unknown): void {
    if (spec === undefined) {
      this.add(required("spec"));
      return;
    }
    if (!this.obj(spec, "spec")) return;
    const volumes = this.volumes(spec["volumes"]);
    const names = new Set<string>();
    const initPath = "spec.initContainers";
    if (this.arr(spec["initContainers"], initPath)) {
      spec["initContainers"].forEach((c, i) => {
        this.container(c, `${initPath}[${i}]`, { init: true, names, volumes, spec });
      });
    }
    if (
      spec["containers"] === undefined ||
      (Array.isArray(spec["containers"]) && spec["containers"].length === 0)
    ) {
      this.add(required("spec.containers"));
    } else if (this.arr(spec["containers"], "spec.containers")) {
      spec["containers"].forEach((c, i) => {
        this.container(c, `spec.containers[${i}]`, { init: false, names, volumes, spec });
      });
      this.hostPorts(spec["containers"]);
    }
    this.oneOf(spec["restartPolicy"], "spec.restartPolicy", RESTART_POLICIES);
    this.oneOf(spec["dnsPolicy"], "spec.dnsPolicy", DNS_POLICIES);
    this.nonNegative(spec["terminationGracePeriodSeconds"], "spec.terminationGracePeriodSeconds");
    const ads = spec["activeDeadlineSeconds"];
    if (this.int(ads, "spec.activeDeadlineSeconds") && (ads < 1 || ads > MAX_INT32)) {
      this.add(invalid("spec.activeDeadlineSeconds", ads, `must be between 1 and ${MAX_INT32}, inclusive`));
    }
    for (const f of ["hostNetwork", "hostPID", "hostIPC", "shareProcessNamespace", "enableServiceLinks"]) {
      this.bool(spec[f], `spec.${f}`);
    }
    this.bool(spec["automountServiceAccountToken"], "spec.automountServiceAccountToken");
    if (spec["shareProcessNamespace"] === true && spec["hostPID"] === true) {
      this.add(
        invalid(
          "spec.shareProcessNamespace",
          true,
          "ShareProcessNamespace and HostPID cannot both be enabled",
        ),
      );
    }
    for (const f of ["hostname", "subdomain"]) {
      const v = spec[f];
      if (this.str(v, `spec.${f}`) && v !== "") this.names(v, `spec.${f}`, isDNS1123Label);
    }
    for (const f of [
      "nodeName",
      "serviceAccountName",
      "runtimeClassName",
      "priorityClassName",
      "schedulerName",
    ]) {
      const v = spec[f];
      if (this.str(v, `spec.${f}`) && v !== "") this.names(v, `spec.${f}`, isDNS1123Subdomain);
    }
    this.int(spec["priority"], "spec.priority");
    this.dns(spec);
    if (this.arr(spec["readinessGates"], "spec.readinessGates")) {
      spec["readinessGates"].forEach((g, i) => {
        const p = `spec.readinessGates[${i}].conditionType`;
        if (this.obj(g, `spec.readinessGates[${i}]`) && this.str(g["conditionType"], p, { required: true })) {
          this.names(g["conditionType"], p, isQualifiedName);
        }
      });
    }
    if (this.arr(spec["imagePullSecrets"], "spec.imagePullSecrets")) {
      spec["imagePullSecrets"].forEach((s, i) => {
        if (this.obj(s, `spec.imagePullSecrets[${i}]`))
          this.str(s["name"], `spec.imagePullSecrets[${i}].name`);
      });
    }
    this.stringMap(spec["nodeSelector"], "spec.nodeSelector", isQualifiedName, isValidLabelValue);
  }

  dns(spec: Obj): void {
    const cfg = spec["dnsConfig"];
    if (spec["dnsPolicy"] === "None" && cfg === undefined) {
      this.add(required("spec.dnsConfig", "must provide `dnsConfig` when `dnsPolicy` is None"));
      return;
    }
    if (!this.obj(cfg, "spec.dnsConfig")) return;
    const ns = cfg["nameservers"];
    if (this.arr(ns, "spec.dnsConfig.nameservers")) {
      this.strings(ns, "spec.dnsConfig.nameservers");
      if (ns.length > 3)
        this.add(invalid("spec.dnsConfig.nameservers", ns, "must not have more than 3 nameservers"));
    }
    if (spec["dnsPolicy"] === "None" && (!Array.isArray(ns) || ns.length === 0)) {
      this.add(
        required(
          "spec.dnsConfig.nameservers",
          "must provide at least one DNS nameserver when `dnsPolicy` is None",
        ),
      );
    }
    const searches = cfg["searches"];
    if (this.arr(searches, "spec.dnsConfig.searches")) {
      this.strings(searches, "spec.dnsConfig.searches");
      if (searches.length > 32) {
        this.add(invalid("spec.dnsConfig.searches", searches, "must not have more than 32 search paths"));
      }
    }
  }

  // ---- volumes ----

  volumes(list: unknown): Set<string> {
    const names = new Set<string>();
    if (!this.arr(list, "spec.volumes")) return names;
    list.forEach((v, i) => {
      const path = `spec.volumes[${i}]`;
      if (!this.obj(v, path)) return;
      if (this.str(v["name"], `${path}.name`, { required: true })) {
        const name = v["name"];
        this.names(name, `${path}.name`, isDNS1123Label);
        if (names.has(name)) this.add(duplicate(`${path}.name`, name));
        names.add(name);
      }
      const sources = VOLUME_SOURCES.filter((k) => v[k] !== undefined && v[k] !== null);
      if (sources.length === 0) {
        this.add(required(path, "must specify a volume type"));
        return;
      }
      for (const extra of sources.slice(1)) {
        this.add(forbidden(`${path}.${extra}`, "may not specify more than 1 volume type"));
      }
      const kind = sources[0]!;
      if (!this.supportedVolumes.includes(kind)) {
        this.add(notSupported(`${path}.${kind}`, kind, this.supportedVolumes));
        return;
      }
      this.volumeSource(kind, v[kind], `${path}.${kind}`);
    });
    return names;
  }

  mode(v: unknown, path: string): void {
    if (this.int(v, path) && (v < 0 || v > 0o777)) {
      this.add(invalid(path, v, "must be a number between 0 and 0777 (octal), both inclusive"));
    }
  }

  keyToPaths(items: unknown, path: string): void {
    if (!this.arr(items, path)) return;
    items.forEach((it, i) => {
      const p = `${path}[${i}]`;
      if (!this.obj(it, p)) return;
      if (this.str(it["key"], `${p}.key`, { required: true }))
        this.names(it["key"], `${p}.key`, isConfigMapKey);
      this.relativePath(it["path"], `${p}.path`, true);
      this.mode(it["mode"], `${p}.mode`);
    });
  }

  relativePath(v: unknown, path: string, isRequired: boolean): void {
    if (!this.str(v, path, { required: isRequired })) return;
    if (isAbsolute(v)) this.add(invalid(path, v, "must be a relative path"));
    if (hasBackstep(v)) this.add(invalid(path, v, "must not contain '..'"));
  }

  volumeSource(kind: string, src: unknown, path: string): void {
    if (!this.obj(src, path)) return;
    switch (kind) {
      case "hostPath": {
        if (this.str(src["path"], `${path}.path`, { required: true })) {
          const p = src["path"];
          if (!isAbsolute(p)) this.add(invalid(`${path}.path`, p, "must be an absolute path"));
          if (hasBackstep(p)) this.add(invalid(`${path}.path`, p, "must not contain '..'"));
        }
        this.oneOf(src["type"], `${path}.type`, HOST_PATH_TYPES);
        break;
      }
      case "emptyDir": {
        this.oneOf(src["medium"], `${path}.medium`, ["", "Memory"]);
        if (src["sizeLimit"] !== undefined) this.quantity(src["sizeLimit"], `${path}.sizeLimit`, true);
        break;
      }
      case "configMap":
      case "secret": {
        const nameField = kind === "secret" ? "secretName" : "name";
        if (this.str(src[nameField], `${path}.${nameField}`, { required: true })) {
          this.names(src[nameField] as string, `${path}.${nameField}`, isDNS1123Subdomain);
        }
        this.keyToPaths(src["items"], `${path}.items`);
        this.mode(src["defaultMode"], `${path}.defaultMode`);
        this.bool(src["optional"], `${path}.optional`);
        break;
      }
      case "downwardAPI":
      case "projected":
        this.mode(src["defaultMode"], `${path}.defaultMode`);
        if (kind === "projected") this.arr(src["sources"], `${path}.sources`);
        else this.arr(src["items"], `${path}.items`);
        break;
      case "persistentVolumeClaim":
        this.str(src["claimName"], `${path}.claimName`, { required: true });
        this.bool(src["readOnly"], `${path}.readOnly`);
        break;
    }
  }

  // ---- containers ----

  container(
    c: unknown,
    path: string,
    ctx: { init: boolean; names: Set<string>; volumes: Set<string>; spec: Obj },
  ): void {
    if (!this.obj(c, path)) return;
    if (this.str(c["name"], `${path}.name`, { required: true })) {
      const name = c["name"];
      this.names(name, `${path}.name`, isDNS1123Label);
      if (ctx.names.has(name)) this.add(duplicate(`${path}.name`, name));
      ctx.names.add(name);
    }
    if (this.str(c["image"], `${path}.image`, { required: true })) {
      const image = c["image"];
      if (image.trim() !== image)
        this.add(invalid(`${path}.image`, image, "must not have leading or trailing whitespace"));
    }
    this.strings(c["command"], `${path}.command`);
    this.strings(c["args"], `${path}.args`);
    this.str(c["workingDir"], `${path}.workingDir`);
    this.oneOf(c["imagePullPolicy"], `${path}.imagePullPolicy`, PULL_POLICIES);
    this.oneOf(c["terminationMessagePolicy"], `${path}.terminationMessagePolicy`, MESSAGE_POLICIES);
    this.str(c["terminationMessagePath"], `${path}.terminationMessagePath`);
    for (const f of ["stdin", "stdinOnce", "tty"]) this.bool(c[f], `${path}.${f}`);
    this.ports(c["ports"], `${path}.ports`, ctx.spec["hostNetwork"] === true);
    this.env(c["env"], `${path}.env`);
    this.envFrom(c["envFrom"], `${path}.envFrom`);
    this.resources(c["resources"], `${path}.resources`);
    this.volumeMounts(c["volumeMounts"], `${path}.volumeMounts`, ctx.volumes);

    const restartPolicy = c["restartPolicy"];
    const sidecar = ctx.init && restartPolicy === "Always";
    if (restartPolicy !== undefined) {
      if (ctx.init) this.oneOf(restartPolicy, `${path}.restartPolicy`, ["Always"]);
      else this.add(forbidden(`${path}.restartPolicy`, "may not be set for non-init containers"));
    }
    const grace =
      typeof ctx.spec["terminationGracePeriodSeconds"] === "number"
        ? ctx.spec["terminationGracePeriodSeconds"]
        : 30;
    for (const kind of ["livenessProbe", "readinessProbe", "startupProbe"] as const) {
      const probe = c[kind];
      if (probe === undefined) continue;
      if (ctx.init && !sidecar) {
        this.add(
          forbidden(`${path}.${kind}`, "may not be set for init containers without restartPolicy=Always"),
        );
        continue;
      }
      this.probe(probe, `${path}.${kind}`, kind);
    }
    const lifecycle = c["lifecycle"];
    if (lifecycle !== undefined) {
      if (ctx.init && !sidecar) {
        this.add(
          forbidden(`${path}.lifecycle`, "may not be set for init containers without restartPolicy=Always"),
        );
      } else if (this.obj(lifecycle, `${path}.lifecycle`)) {
        for (const hook of ["postStart", "preStop"]) {
          if (lifecycle[hook] !== undefined)
            this.handler(lifecycle[hook], `${path}.lifecycle.${hook}`, true, grace);
        }
        this.str(lifecycle["stopSignal"], `${path}.lifecycle.stopSignal`);
      }
    }
  }

  ports(list: unknown, path: string, hostNetwork: boolean): void {
    if (!this.arr(list, path)) return;
    const names = new Set<string>();
    list.forEach((p, i) => {
      const pp = `${path}[${i}]`;
      if (!this.obj(p, pp)) return;
      const name = p["name"];
      if (this.str(name, `${pp}.name`) && name !== "") {
        this.names(name, `${pp}.name`, isValidPortName);
        if (names.has(name)) this.add(duplicate(`${pp}.name`, name));
        names.add(name);
      }
      const cp = p["containerPort"];
      if (cp === undefined) this.add(required(`${pp}.containerPort`));
      else for (const msg of isValidPortNum(cp)) this.add(invalid(`${pp}.containerPort`, cp, msg));
      const hp = p["hostPort"];
      if (hp !== undefined && hp !== 0) {
        for (const msg of isValidPortNum(hp)) this.add(invalid(`${pp}.hostPort`, hp, msg));
        if (hostNetwork && hp !== cp) {
          this.add(invalid(`${pp}.hostPort`, hp, "must match `containerPort` when `hostNetwork` is true"));
        }
      }
      if (p["protocol"] === undefined) this.add(required(`${pp}.protocol`));
      else this.oneOf(p["protocol"], `${pp}.protocol`, PROTOCOLS);
      this.str(p["hostIP"], `${pp}.hostIP`);
    });
  }

  hostPorts(containers: unknown[]): void {
    const seen = new Set<string>();
    containers.forEach((c, ci) => {
      if (!isObj(c) || !Array.isArray(c["ports"])) return;
      c["ports"].forEach((p, pi) => {
        if (!isObj(p) || typeof p["hostPort"] !== "number" || p["hostPort"] === 0) return;
        const key = `${p["hostIP"] ?? ""}/${p["protocol"] ?? "TCP"}/${p["hostPort"]}`;
        if (seen.has(key)) {
          this.add(
            duplicate(
              `spec.containers[${ci}].ports[${pi}].hostPort`,
              `${p["hostPort"]}/${p["protocol"] ?? "TCP"}`,
            ),
          );
        }
        seen.add(key);
      });
    });
  }

  env(list: unknown, path: string): void {
    if (!this.arr(list, path)) return;
    list.forEach((e, i) => {
      const p = `${path}[${i}]`;
      if (!this.obj(e, p)) return;
      if (this.str(e["name"], `${p}.name`, { required: true }))
        this.names(e["name"], `${p}.name`, isEnvVarName);
      this.str(e["value"], `${p}.value`);
      const from = e["valueFrom"];
      if (from === undefined) return;
      if (!this.obj(from, `${p}.valueFrom`)) return;
      if (typeof e["value"] === "string" && e["value"] !== "") {
        this.add(invalid(`${p}.valueFrom`, "", "may not be specified when `value` is not empty"));
      }
      const kinds = ["fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef"].filter(
        (k) => from[k] !== undefined && from[k] !== null,
      );
      if (kinds.length === 0) {
        this.add(
          invalid(
            `${p}.valueFrom`,
            "",
            "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
          ),
        );
        return;
      }
      if (kinds.length > 1) {
        this.add(invalid(`${p}.valueFrom`, "", "may not have more than one field specified at a time"));
        return;
      }
      const kind = kinds[0]!;
      const src = from[kind];
      const sp = `${p}.valueFrom.${kind}`;
      if (!this.obj(src, sp)) return;
      if (kind === "fieldRef") this.fieldRef(src, sp);
      else if (kind === "resourceFieldRef") this.resourceFieldRef(src, sp);
      else {
        const nameOk = this.str(src["name"], `${sp}.name`, { required: true });
        if (nameOk) this.names(src["name"] as string, `${sp}.name`, isDNS1123Subdomain);
        if (this.str(src["key"], `${sp}.key`, { required: true }))
          this.names(src["key"] as string, `${sp}.key`, isConfigMapKey);
        this.bool(src["optional"], `${sp}.optional`);
      }
    });
  }

  fieldRef(src: Obj, path: string): void {
    const apiVersion = src["apiVersion"];
    if (apiVersion !== undefined && apiVersion !== "v1") {
      this.add(invalid(`${path}.apiVersion`, apiVersion, "only v1 is supported"));
    }
    if (!this.str(src["fieldPath"], `${path}.fieldPath`, { required: true })) return;
    const fp = src["fieldPath"] as string;
    const m = /^(metadata\.(?:labels|annotations))\['(.*)'\]$/.exec(fp);
    if (m) {
      const key = m[2]!;
      const msgs =
        m[1] === "metadata.annotations" ? isQualifiedName(key.toLowerCase()) : isQualifiedName(key);
      for (const msg of msgs) this.add(invalid(`${path}.fieldPath`, key, msg));
      return;
    }
    if (!ENV_FIELD_PATHS.includes(fp)) this.add(notSupported(`${path}.fieldPath`, fp, ENV_FIELD_PATHS));
  }

  resourceFieldRef(src: Obj, path: string): void {
    if (!this.str(src["resource"], `${path}.resource`, { required: true })) return;
    const resource = src["resource"] as string;
    this.str(src["containerName"], `${path}.containerName`);
    const isHugePages = /^(limits|requests)\.hugepages-/.test(resource);
    if (!ENV_RESOURCES.includes(resource) && !isHugePages) {
      this.add(notSupported(`${path}.resource`, resource, ENV_RESOURCES));
      return;
    }
    const divisor = src["divisor"];
    if (divisor === undefined) return;
    const q = this.quantity(divisor, `${path}.divisor`, true);
    if (!q || q.isZero()) return;
    const name = resource.slice(resource.indexOf(".") + 1);
    if (name === "cpu") {
      if (!CPU_DIVISORS.some((d) => parseQuantity(d).cmp(q) === 0)) {
        this.add(
          invalid(
            `${path}.divisor`,
            String(divisor),
            "only divisor's values 1m and 1 are supported with the cpu resource",
          ),
        );
      }
    } else if (!MEMORY_DIVISORS.some((d) => parseQuantity(d).cmp(q) === 0)) {
      this.add(
        invalid(
          `${path}.divisor`,
          String(divisor),
          `only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the ${name} resource`,
        ),
      );
    }
  }

  envFrom(list: unknown, path: string): void {
    if (!this.arr(list, path)) return;
    list.forEach((e, i) => {
      const p = `${path}[${i}]`;
      if (!this.obj(e, p)) return;
      if (this.str(e["prefix"], `${p}.prefix`) && e["prefix"] !== "") {
        this.names(e["prefix"] as string, `${p}.prefix`, isEnvVarName);
      }
      const kinds = ["configMapRef", "secretRef"].filter((k) => e[k] !== undefined && e[k] !== null);
      if (kinds.length === 0)
        this.add(invalid(path, "", "must specify one of: `configMapRef` or `secretRef`"));
      else if (kinds.length > 1)
        this.add(invalid(path, "", "may not have more than one field specified at a time"));
      for (const k of kinds) {
        const ref = e[k];
        if (!this.obj(ref, `${p}.${k}`)) continue;
        if (this.str(ref["name"], `${p}.${k}.name`, { required: true })) {
          this.names(ref["name"] as string, `${p}.${k}.name`, isDNS1123Subdomain);
        }
        this.bool(ref["optional"], `${p}.${k}.optional`);
      }
    });
  }

  quantity(v: unknown, path: string, nonNegative: boolean): Quantity | undefined {
    if (typeof v !== "string" && typeof v !== "number") {
      this.add(typeError(path, v, "quantity (string or number)"));
      return undefined;
    }
    try {
      const q = parseQuantity(v);
      if (nonNegative && q.sign() < 0) {
        this.add(invalid(path, String(v), "must be greater than or equal to 0"));
      }
      return q;
    } catch (e) {
      if (e instanceof QuantityError) {
        this.add(invalid(path, String(v), e.message));
        return undefined;
      }
      throw e;
    }
  }

  resourceName(name: string, path: string): void {
    if (!name.includes("/")) {
      const standard =
        name === "cpu" || name === "memory" || name === "ephemeral-storage" || name.startsWith("hugepages-");
      if (!standard) this.add(invalid(path, name, "must be a standard resource for containers"));
      return;
    }
    for (const msg of isQualifiedName(name)) this.add(invalid(path, name, msg));
  }

  resources(r: unknown, path: string): void {
    if (!this.obj(r, path)) return;
    const parsed: Record<"limits" | "requests", Map<string, Quantity>> = {
      limits: new Map(),
      requests: new Map(),
    };
    for (const kind of ["limits", "requests"] as const) {
      const list = r[kind];
      if (!this.obj(list, `${path}.${kind}`)) continue;
      for (const [name, v] of Object.entries(list)) {
        const p = `${path}.${kind}[${name}]`;
        // a request defaulted from a malformed limit: report the limit only
        if (kind === "requests" && isObj(r["limits"]) && r["limits"][name] === v && !parsed.limits.has(name))
          continue;
        this.resourceName(name, p);
        const q = this.quantity(v, p, true);
        if (!q) continue;
        if (name.includes("/") && !name.startsWith("kubernetes.io/") && q.scale !== 0) {
          this.add(invalid(p, String(v), "must be an integer"));
        }
        parsed[kind].set(name, q);
      }
    }
    for (const [name, req] of parsed.requests) {
      const lim = parsed.limits.get(name);
      const overcommit =
        (!name.includes("/") || name.startsWith("kubernetes.io/")) && !name.startsWith("hugepages-");
      if (lim) {
        if (!overcommit && req.cmp(lim) !== 0) {
          this.add(
            invalid(
              `${path}.requests`,
              req.toString(),
              `must be equal to ${name} limit of ${lim.toString()}`,
            ),
          );
        } else if (req.cmp(lim) > 0) {
          this.add(
            invalid(
              `${path}.requests`,
              req.toString(),
              `must be less than or equal to ${name} limit of ${lim.toString()}`,
            ),
          );
        }
      } else if (!overcommit) {
        this.add(required(`${path}.limits`, "Limit must be set for non overcommitable resources"));
      }
    }
  }

  volumeMounts(list: unknown, path: string, volumes: Set<string>): void {
    if (!this.arr(list, path)) return;
    const mountPaths = new Set<string>();
    list.forEach((m, i) => {
      const p = `${path}[${i}]`;
      if (!this.obj(m, p)) return;
      if (this.str(m["name"], `${p}.name`, { required: true }) && !volumes.has(m["name"] as string)) {
        this.add(notFound(`${p}.name`, m["name"]));
      }
      if (this.str(m["mountPath"], `${p}.mountPath`, { required: true })) {
        const mp = m["mountPath"] as string;
        if (!isAbsolute(mp)) this.add(invalid(`${p}.mountPath`, mp, "must be an absolute path"));
        if (mountPaths.has(mp)) this.add(invalid(`${p}.mountPath`, mp, "must be unique"));
        mountPaths.add(mp);
      }
      if (m["subPath"] !== undefined && m["subPath"] !== "")
        this.relativePath(m["subPath"], `${p}.subPath`, false);
      if (m["subPathExpr"] !== undefined && m["subPath"] !== undefined && m["subPath"] !== "") {
        this.add(
          invalid(`${p}.subPathExpr`, m["subPathExpr"], "subPathExpr and subPath are mutually exclusive"),
        );
      }
      this.bool(m["readOnly"], `${p}.readOnly`);
      this.oneOf(m["mountPropagation"], `${p}.mountPropagation`, PROPAGATIONS);
    });
  }

  // ---- probes and hooks ----

  portNumOrName(v: unknown, path: string): void {
    if (v === undefined) {
      this.add(required(path));
      return;
    }
    if (typeof v === "number") {
      for (const msg of isValidPortNum(v)) this.add(invalid(path, v, msg));
    } else if (typeof v === "string") {
      // a numeric string is a port number in IntOrString
      if (/^[0-9]+$/.test(v)) for (const msg of isValidPortNum(Number(v))) this.add(invalid(path, v, msg));
      else this.names(v, path, isValidPortName);
    } else {
      this.add(typeError(path, v, "integer or string"));
    }
  }

  handler(h: unknown, path: string, lifecycle: boolean, grace: number): void {
    if (!this.obj(h, path)) return;
    const kinds = (
      lifecycle ? ["exec", "httpGet", "tcpSocket", "sleep"] : ["exec", "httpGet", "tcpSocket", "grpc"]
    ).filter((k) => h[k] !== undefined && h[k] !== null);
    if (kinds.length === 0) {
      this.add(required(path, "must specify a handler type"));
      return;
    }
    for (const extra of kinds.slice(1)) {
      this.add(forbidden(`${path}.${extra}`, "may not specify more than 1 handler type"));
    }
    const kind = kinds[0]!;
    const src = h[kind];
    const p = `${path}.${kind}`;
    if (!this.obj(src, p)) return;
    switch (kind) {
      case "exec":
        if (!Array.isArray(src["command"]) || src["command"].length === 0) this.add(required(`${p}.command`));
        else this.strings(src["command"], `${p}.command`);
        break;
      case "httpGet":
        this.str(src["path"], `${p}.path`, { required: true });
        this.portNumOrName(src["port"], `${p}.port`);
        this.oneOf(src["scheme"], `${p}.scheme`, ["HTTP", "HTTPS"]);
        this.str(src["host"], `${p}.host`);
        if (this.arr(src["httpHeaders"], `${p}.httpHeaders`)) {
          src["httpHeaders"].forEach((hd, i) => {
            const hp = `${p}.httpHeaders[${i}]`;
            if (!this.obj(hd, hp)) return;
            if (
              this.str(hd["name"], `${hp}.name`, { required: true }) &&
              !/^[-A-Za-z0-9!#$%&'*+.^_`|~]+$/.test(hd["name"] as string)
            ) {
              this.add(
                invalid(
                  `${hp}.name`,
                  hd["name"],
                  "a valid HTTP header must consist of alphanumeric characters or '-'",
                ),
              );
            }
            this.str(hd["value"], `${hp}.value`);
          });
        }
        break;
      case "tcpSocket":
        this.portNumOrName(src["port"], `${p}.port`);
        this.str(src["host"], `${p}.host`);
        break;
      case "grpc": {
        const port = src["port"];
        if (port === undefined) this.add(required(`${p}.port`));
        else for (const msg of isValidPortNum(port)) this.add(invalid(`${p}.port`, port, msg));
        this.str(src["service"], `${p}.service`);
        break;
      }
      case "sleep": {
        const s = src["seconds"];
        if (this.int(s, `${p}.seconds`) && (s < 0 || s > grace)) {
          this.add(
            invalid(
              `${p}.seconds`,
              s,
              `must be non-negative and less than terminationGracePeriodSeconds (${grace})`,
            ),
          );
        }
        break;
      }
    }
  }

  probe(probe: unknown, path: string, kind: "livenessProbe" | "readinessProbe" | "startupProbe"): void {
    if (!this.obj(probe, path)) return;
    this.handler(probe, path, false, 0);
    for (const f of [
      "initialDelaySeconds",
      "timeoutSeconds",
      "periodSeconds",
      "successThreshold",
      "failureThreshold",
    ]) {
      this.nonNegative(probe[f], `${path}.${f}`);
    }
    const tgps = probe["terminationGracePeriodSeconds"];
    if (tgps !== undefined) {
      if (kind === "readinessProbe") {
        this.add(
          invalid(`${path}.terminationGracePeriodSeconds`, tgps, "must not be set for readinessProbes"),
        );
      } else if (this.int(tgps, `${path}.terminationGracePeriodSeconds`) && tgps <= 0) {
        this.add(invalid(`${path}.terminationGracePeriodSeconds`, tgps, "must be greater than 0"));
      }
    }
    if (
      kind !== "readinessProbe" &&
      typeof probe["successThreshold"] === "number" &&
      probe["successThreshold"] !== 1
    ) {
      this.add(invalid(`${path}.successThreshold`, probe["successThreshold"], "must be 1"));
    }
  }
}

/**
 * Validates a decoded manifest object as a Pod. Returns the defaulted pod only when there are no
 * errors; unknown fields are warnings.
 */
export function validatePod(obj: unknown, options: ValidateOptions = {}): PodValidation {
  if (!isObj(obj)) return { errors: [typeError("(root)", obj, "object")], warnings: [] };
  const warnings = unknownFieldWarnings(obj);
  const v = new Validator(options.supportedVolumeTypes ?? NODELET_VOLUME_TYPES);
  if (obj["apiVersion"] === undefined) v.add(required("apiVersion"));
  else v.oneOf(obj["apiVersion"], "apiVersion", ["v1"]);
  if (obj["kind"] === undefined) v.add(required("kind"));
  else v.oneOf(obj["kind"], "kind", ["Pod"]);
  if (obj["metadata"] !== undefined && !isObj(obj["metadata"])) {
    v.add(typeError("metadata", obj["metadata"], "object"));
    return { errors: v.errors, warnings };
  }
  if (obj["spec"] !== undefined && !isObj(obj["spec"])) {
    v.add(typeError("spec", obj["spec"], "object"));
    return { errors: v.errors, warnings };
  }
  const defaulted = applyPodDefaults(obj as unknown as Pod);
  const d = defaulted as unknown as Obj;
  v.metadata(obj["metadata"] === undefined ? undefined : d["metadata"]);
  v.spec(d["spec"]);
  if (v.errors.length > 0) return { errors: v.errors, warnings };
  return { pod: defaulted, errors: [], warnings };
}
