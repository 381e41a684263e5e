import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { toGrpcTarget } from "../../../cri/grpc/clients.ts";
import { loadCriPackageDefinition, resolveCriProtoPath, stripGogoOptions } from "../../../cri/grpc/proto.ts";

const gogoProto = [
  'syntax = "proto3";',
  "package runtime.v1;",
  'import "github.com/gogo/protobuf/gogoproto/gogo.proto";',
  "option (gogoproto.goproto_stringer_all) = false;",
  'option go_package = "x";',
  "service RuntimeService { rpc Version(VersionRequest) returns (VersionResponse) {} }",
  "message VersionRequest { string version = 1; }",
  "message VersionResponse { string runtime_name = 2 [(gogoproto.nullable) = false]; int64 created_at = 3; }",
].join("\n");

describe("stripGogoOptions", () => {
  it("removes gogoproto imports and options and keeps the rest", () => {
    const out = stripGogoOptions(gogoProto);
    assert.doesNotMatch(out, /gogo/);
    assert.match(out, /option go_package = "x";/);
    assert.match(out, /string runtime_name = 2; int64/);
  });
});

describe("CRI proto location and loading", () => {
  let dir = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "nodelet-proto-test-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("prefers NODELET_CRI_PROTO, then the path recorded in the cache", async () => {
    assert.equal(
      await resolveCriProtoPath({ NODELET_CRI_PROTO: "/x/api.proto", NODELET_CACHE: dir }),
      "/x/api.proto",
    );
    await writeFile(join(dir, "cri-api.path"), "/cached/api.proto\n");
    assert.equal(await resolveCriProtoPath({ NODELET_CACHE: dir }), "/cached/api.proto");
    await assert.rejects(resolveCriProtoPath({ NODELET_CACHE: join(dir, "missing") }), /NODELET_CRI_PROTO/);
  });

  it("loads a proto that imports gogo options, with the CRI loader options", async () => {
    const path = join(dir, "api.proto");
    await writeFile(path, gogoProto);
    const definition = await loadCriPackageDefinition(path);
    assert.ok(definition["runtime.v1.RuntimeService"]);
    const response = definition["runtime.v1.VersionResponse"] as unknown as {
      type: { field: { name: string }[] };
    };
    assert.deepEqual(
      response.type.field.map((f) => f.name),
      ["runtime_name", "created_at"],
      "field names keep their snake_case",
    );
  });
});

describe("toGrpcTarget", () => {
  it("accepts unix URLs and absolute socket paths", () => {
    assert.equal(
      toGrpcTarget("unix:///run/containerd/containerd.sock"),
      "unix:///run/containerd/containerd.sock",
    );
    assert.equal(toGrpcTarget("/run/crio/crio.sock"), "unix:///run/crio/crio.sock");
    assert.throws(() => toGrpcTarget("tcp://127.0.0.1:1234"), /unsupported CRI endpoint/);
  });
});
