// tfinterop's JavaScript consumer: TensorFlow.js (@tensorflow/tfjs, its pure JavaScript CPU backend) in Node.js,
// speaking tfinterop's worker protocol (runtimes/worker.py: one JSON request per line on stdin, one reply per line
// on stdout, arrays as .npy files and a raw output buffer the client keeps mapped).
//
// tfjs runs graph models, not SavedModels: each signature is converted by the real converter (PyPI tensorflowjs)
// in a Python process this worker starts on first need (runtimes/tfjs_convert.py). That process also reads the
// SavedModel and makes the checks the Python consumer makes before loading (missing folder, no saved_model.pb,
// tag-set, untrusted ops, missing variables), so every runtime answers them with the same kinds.
//
// Every input and output crosses by its signature key, mapped to the converted graph's tensor names (the converter
// loses keys whose dtype and shape collide). tfjs has float32, int32 and bool (and string, complex64); the converter
// narrows int64 to int32 and float64 to float32 without a word, so such an output is refused, typed, and such an
// input is fed only if every value is exactly an int32 or a float32.
//
// Run by hand: TFINTEROP_TFJS_CONVERTER='["python","-m","tfinterop.runtimes.tfjs_convert"]' node worker.js

"use strict";

const fs = require("fs");
const path = require("path");
const readline = require("readline");
const { spawn } = require("child_process");

// The protocol owns fd 1: whatever tfjs prints (its "looks like you are running TensorFlow.js in Node.js" banner
// goes to console.log) is sent to stderr instead.
const reply = (obj) => fs.writeSync(1, JSON.stringify(obj) + "\n");
console.log = console.info = console.warn = (...args) => process.stderr.write(args.join(" ") + "\n");

const tf = require("@tensorflow/tfjs");
const VERSION = tf.version.tfjs;
const NAME = "js-tfjs-" + VERSION;
// What tfjs fetches by signature, as numpy names (tfjs also has string and complex64, which tfinterop does not
// cross yet); the converter narrows int64 and float64.
const SUPPORTED = ["float32", "int32", "bool"];
// and what it feeds: int64 and float64 too, narrowed, when every value is exactly an int32 or float32 (conform)
const FEEDS = [...SUPPORTED, "int64", "float64"];

class WorkerError extends Error {
  constructor(kind, message, runtimeMessage = null) {
    super(message);
    this.kind = kind;
    this.runtimeMessage = runtimeMessage;
  }
}
const fail = (kind, message, runtimeMessage) => { throw new WorkerError(kind, message, runtimeMessage); };

// ------------------------------------------------------------------ .npy and .npz

const NPY_MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);   // \x93NUMPY
// numpy's type strings of the dtypes an input file may hold, and their names (the names error messages use)
const DESCR = {"<f4": "float32", "<f8": "float64", "<f2": "float16", "<i4": "int32", "<i8": "int64", "<i2": "int16",
               "|i1": "int8", "|u1": "uint8", "<u2": "uint16", "<u4": "uint32", "<u8": "uint64", "|b1": "bool"};
const TYPED = {float32: Float32Array, float64: Float64Array, int32: Int32Array, int16: Int16Array, int8: Int8Array,
               uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array, bool: Uint8Array,
               int64: BigInt64Array, uint64: BigUint64Array};
const DESCR_OF = {float32: "<f4", int32: "<i4", bool: "|b1"};

function readNpy(file) {
  let data;
  try {
    data = fs.readFileSync(file);
  } catch (e) {
    fail("invalid-input", `no input file ${file}: ${e.message}`);
  }
  const bad = (why) => fail("npy-format", `${file} is not a readable .npy file: ${why}`);
  if (data.length < 10 || !data.subarray(0, 6).equals(NPY_MAGIC)) bad("it does not start with the .npy magic");
  const major = data[6];
  const headerLength = major === 1 ? data.readUInt16LE(8) : data.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = data.subarray(start, start + headerLength).toString("latin1");
  const descr = /'descr':\s*'([^']*)'/.exec(header);
  const fortran = /'fortran_order':\s*(True|False)/.exec(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shapeText) bad(`its header is not a numpy header: ${JSON.stringify(header)}`);
  const shape = shapeText[1].split(",").map((s) => s.trim()).filter((s) => s).map(Number);
  const size = shape.reduce((a, b) => a * b, 1);
  const dtype = DESCR[descr[1]] || (descr[1].includes("S") || descr[1].includes("U") ? "string" : descr[1]);
  const array = {dtype, shape, file};
  if (!TYPED[dtype]) return array;                       // judged by the signature check, which names it
  if (fortran[1] === "True" && shape.length > 1) bad("it is in Fortran order; expected C order");
  const itemSize = TYPED[dtype].BYTES_PER_ELEMENT;
  const offset = start + headerLength;
  if (data.length - offset < size * itemSize) bad(`it holds ${data.length - offset} bytes of data; its header says ${size * itemSize}`);
  // a copy: the data of a Buffer read from a file need not be aligned for a typed array
  array.values = new TYPED[dtype](new Uint8Array(data.subarray(offset, offset + size * itemSize)).buffer);
  return array;
}

function npyHeader(descr, shape) {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(", ");
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`;
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, " ") + "\n";
  const head = Buffer.alloc(10);
  NPY_MAGIC.copy(head);
  head[6] = 1;
  head.writeUInt16LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, "latin1")]);
}

const npyBytes = (out) => Buffer.concat([npyHeader(DESCR_OF[out.dtype], out.shape), bytesOf(out)]);
const bytesOf = (out) => Buffer.from(out.values.buffer, out.values.byteOffset, out.values.byteLength);

const CRC_TABLE = Array.from({length: 256}, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// An .npz as numpy writes it without compression: a zip of stored "<key>.npy" entries.
function writeNpz(file, outputs) {
  const parts = [], central = [];
  let offset = 0;
  for (const [key, out] of Object.entries(outputs)) {
    const name = Buffer.from(key + ".npy", "utf8");
    const body = npyBytes(out);
    const crc = crc32(body);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt16LE(0x0800, 6);
    local.writeUInt32LE(crc, 14); local.writeUInt32LE(body.length, 18); local.writeUInt32LE(body.length, 22);
    local.writeUInt16LE(name.length, 26);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0); entry.writeUInt16LE(20, 4); entry.writeUInt16LE(20, 6);
    entry.writeUInt16LE(0x0800, 8); entry.writeUInt32LE(crc, 16); entry.writeUInt32LE(body.length, 20);
    entry.writeUInt32LE(body.length, 24); entry.writeUInt16LE(name.length, 28); entry.writeUInt32LE(offset, 42);
    parts.push(local, name, body);
    central.push(entry, name);
    offset += local.length + name.length + body.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  const count = Object.keys(outputs).length;
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(count, 8); end.writeUInt16LE(count, 10);
  end.writeUInt32LE(directory.length, 12); end.writeUInt32LE(offset, 16);
  fs.writeFileSync(file, Buffer.concat([...parts, directory, end]));
}

// The client's output buffer (a raw file it keeps mapped): outputs go there, 64-byte aligned, when all fit.
const buffers = new Map();     // path -> fd
function intoBuffer(request, layout) {
  const file = request.output_buffer, capacity = request.output_buffer_bytes || 0;
  if (!file) return false;
  const last = layout[layout.length - 1];
  if (last && last.offset + last.out.values.byteLength > capacity) return false;
  if (!buffers.has(file)) {
    for (const fd of buffers.values()) fs.closeSync(fd);
    buffers.clear();
    buffers.set(file, fs.openSync(file, "r+"));
  }
  for (const {offset, out} of layout) fs.writeSync(buffers.get(file), bytesOf(out), 0, out.values.byteLength, offset);
  return true;
}

function runReply(request, outputs) {
  let end = 0;
  const layout = Object.entries(outputs).map(([key, out]) => {
    const offset = end;
    end += Math.ceil(out.values.byteLength / 64) * 64;
    return {key, offset, out};
  });
  if (intoBuffer(request, layout)) {
    const described = {};
    for (const {key, offset, out} of layout) described[key] = {dtype: DESCR_OF[out.dtype], shape: out.shape, offset};
    return {outputs: described, in_buffer: true};
  }
  writeNpz(request.outputs, outputs);
  const described = {};
  for (const [key, out] of Object.entries(outputs)) described[key] = {dtype: out.dtype, shape: out.shape};
  return {outputs: described};
}

function predictReply(request, out) {
  if (intoBuffer(request, [{offset: 0, out}])) return {shape: out.shape, dtype: DESCR_OF[out.dtype], in_buffer: true};
  fs.writeFileSync(request.output, npyBytes(out));
  return {shape: out.shape};
}

// ------------------------------------------------------------------ the converter's process

class Converter {
  constructor() {
    this.proc = null;
    this.pending = [];
  }

  start() {
    let command;
    try {
      command = JSON.parse(process.env.TFINTEROP_TFJS_CONVERTER || "");
    } catch (e) {
      fail("usage", "TFINTEROP_TFJS_CONVERTER is not set to the converter's command (a JSON list); " +
           "tfinterop's registry (runtimes/tfjs.py) sets it");
    }
    this.proc = spawn(command[0], command.slice(1), {stdio: ["pipe", "pipe", "inherit"]});
    this.proc.on("error", (e) => this.ended(`could not be started (${e.message})`));
    this.proc.stdin.on("error", () => {});     // a write to a process that died: its "exit" says how
    this.proc.on("exit", (code, signal) => this.ended(signal ? `was killed by ${signal}` : `exited with status ${code}`));
    readline.createInterface({input: this.proc.stdout}).on("line", (line) => {
      const waiting = this.pending.shift();
      if (waiting) waiting.resolve(JSON.parse(line));
    });
  }

  ended(how) {
    this.proc = null;
    for (const waiting of this.pending.splice(0)) {
      waiting.reject(new WorkerError("error", `the TensorFlow.js converter's process ${how}; its stderr is above`));
    }
  }

  async call(request) {
    if (!this.proc) this.start();
    const answer = await new Promise((resolve, reject) => {
      this.pending.push({resolve, reject});
      this.proc.stdin.write(JSON.stringify(request) + "\n");
    });
    if (!answer.ok) fail(answer.error.kind, answer.error.message, answer.error.runtime_message);
    return answer.result;
  }
}

// A graph model read with fs (pure tfjs has no file:// loader in Node: it would fetch()).
function fsHandler(folder) {
  return {
    load: async () => {
      const json = JSON.parse(fs.readFileSync(path.join(folder, "model.json"), "utf8"));
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs = [], buffers = [];
        for (const group of manifest) {
          for (const p of group.paths) buffers.push(fs.readFileSync(path.join(folder, p)));
          specs.push(...group.weights);
        }
        const weights = buffers.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
        return [specs, tf.io.concatenateArrayBuffers(weights)];
      });
    },
  };
}

// ------------------------------------------------------------------ the consumer

const DEFAULT_SIGNATURE = "serving_default";

class Consumer {
  constructor() {
    this.converter = new Converter();
    this.models = new Map();
    this.next = 0;
  }

  async load(request) {
    const tags = request.tags;
    const described = await this.converter.call({op: "describe", dir: request.dir, tags,
                                                 allow_untrusted: Boolean(request.allow_untrusted)});
    const model = {dir: request.dir, tags, signatures: described.signatures, graphs: new Map()};
    // The signature a call without a key runs is converted now, so that a model tfjs cannot take fails to load.
    const keys = Object.keys(model.signatures);
    const first = keys.includes(DEFAULT_SIGNATURE) ? DEFAULT_SIGNATURE : keys.length === 1 ? keys[0] : null;
    if (first !== null) await this.graph(model, first);
    this.models.set(++this.next, model);
    return {handle: this.next};
  }

  async graph(model, key) {
    if (!model.graphs.has(key)) {
      const converted = await this.converter.call({op: "convert", dir: model.dir, tags: model.tags, signature: key});
      let graph;
      try {
        graph = await tf.loadGraphModel(fsHandler(converted.model));
      } catch (e) {
        fail("load-failed", `TensorFlow.js ${VERSION} could not load the graph model of ${model.dir} ` +
             `(signature '${key}', converted into ${converted.model}): ${e.message}`, e.message);
      }
      model.graphs.set(key, {graph, inputs: converted.inputs, outputs: converted.outputs});
    }
    return model.graphs.get(key);
  }

  model(handle) {
    const model = this.models.get(handle);
    if (!model) fail("closed", `model ${handle} is not loaded (closed, or never loaded)`);
    return model;
  }

  chooseSignature(model, wanted) {
    const keys = Object.keys(model.signatures).sort();
    const where = `the MetaGraphDef with tag-set [${model.tags.join(", ")}]`;
    if (wanted !== null && wanted !== undefined) {
      if (!keys.includes(wanted)) fail("signature-not-found", `${where} has no signature '${wanted}'; its signatures: ${keys.join(", ") || "(none)"}`);
      return wanted;
    }
    if (keys.includes(DEFAULT_SIGNATURE)) return DEFAULT_SIGNATURE;
    if (keys.length === 1) return keys[0];
    fail("signature-not-found", `${where} has ${keys.length} signatures and none is '${DEFAULT_SIGNATURE}'; ` +
         `name one with --signature: ${keys.join(", ") || "(none)"}`);
  }

  // {key: array read from its file} -> {key: {dtype, shape, values}}, every input checked against the signature
  // as contract/signatures.py checks it for the other runtimes; the outputs' and inputs' dtypes must be tfjs's.
  async call(model, key, inputs, outputKeys) {
    const signature = model.signatures[key];
    const want = Object.keys(signature.inputs).sort(), given = Object.keys(inputs).sort();
    const missing = want.filter((k) => !(k in inputs)), extra = given.filter((k) => !(k in signature.inputs));
    if (missing.length || extra.length) {
      const said = [...(missing.length ? [`missing ${missing.join(", ")}`] : []), ...(extra.length ? [`unknown ${extra.join(", ")}`] : [])];
      fail("invalid-input", `signature '${key}' takes the inputs ${want.join(", ")}; ${said.join("; ")}`);
    }
    const have = Object.keys(signature.outputs).sort();
    const fetch = outputKeys === null || outputKeys === undefined ? have : outputKeys;
    const unknown = fetch.filter((k) => !(k in signature.outputs));
    if (unknown.length) fail("signature-key-not-found", `signature '${key}' has no output ${unknown.map((k) => `'${k}'`).join(", ")}; its output keys: ${have.join(", ") || "(none)"}`);
    for (const [role, group, keys, can] of [["input", signature.inputs, want, FEEDS], ["output", signature.outputs, fetch, SUPPORTED]]) {
      const lacking = keys.filter((k) => !can.includes(group[k].dtype));
      if (lacking.length) {
        fail("unsupported-dtype", `${NAME} cannot ${role === "input" ? "feed" : "fetch"} ${lacking.map((k) => `${k} (${group[k].dtype})`).join(", ")}: ` +
             `${role} of signature '${key}'; it ${role === "input" ? "feeds" : "fetches"} ${can.join(", ")}` +
             (role === "output" ? " (TensorFlow.js has no int64 or float64: its converter narrows them to int32 and " +
              "float32, so their values are not the ones the signature promises; name the other outputs to fetch them)" : ""));
      }
    }
    const feeds = {};
    for (const k of want) feeds[k] = conform(k, inputs[k], signature.inputs[k]);
    const graph = await this.graph(model, key);
    if (!fetch.length) return {};                  // nothing asked for: the inputs were checked, the graph loads
    const named = {};
    for (const k of want) if (graph.inputs[k]) named[graph.inputs[k]] = feeds[k];
    const tensors = {};
    let results;
    try {
      for (const [name, x] of Object.entries(named)) tensors[name] = tf.tensor(x.values, x.shape, x.dtype);
      // executeAsync always: execute() refuses graphs with control flow or dynamic shapes, which are common
      results = await graph.graph.executeAsync(tensors, fetch.map((k) => graph.outputs[k]));
      if (!Array.isArray(results)) results = [results];
      const outputs = {};
      for (let i = 0; i < fetch.length; i++) {
        const k = fetch[i], y = results[i];
        const values = await y.data();
        const dtype = signature.outputs[k].dtype;
        outputs[k] = {dtype, shape: y.shape, values: dtype === "bool" ? Uint8Array.from(values) : values};
        if (y.dtype !== (dtype === "bool" ? "bool" : dtype)) {
          fail("run-failed", `${NAME} gave output '${k}' of signature '${key}' as ${y.dtype}; the signature says ${dtype}`);
        }
      }
      return outputs;
    } catch (e) {
      if (e instanceof WorkerError) throw e;
      fail("run-failed", `TensorFlow.js ${VERSION} could not run signature '${key}' of ${model.dir}: ${e.message}`, e.message);
    } finally {
      tf.dispose(Object.values(tensors));
      if (results) tf.dispose(results);
    }
  }

  async run(request) {
    const model = this.model(request.handle);
    const key = this.chooseSignature(model, request.signature);
    const files = request.input_files || null;
    if (!files) fail("invalid-input", `${NAME}'s worker takes "run" inputs as "input_files" (one .npy per key)`);
    const inputs = {};
    for (const [k, file] of Object.entries(files)) inputs[k] = readNpy(file);
    return runReply(request, await this.call(model, key, inputs, request.output_keys));
  }

  async predictSignature(request) {
    const model = this.model(request.handle);
    const key = this.chooseSignature(model, request.signature);
    const signature = model.signatures[key];
    const inputKey = this.one(key, "input", signature.inputs, request.input_key);
    const outputKey = this.one(key, "output", signature.outputs, request.output_key);
    return this.predictOne(request, model, key, inputKey, outputKey);
  }

  // By tensor name, as the seed's Java code feeds "myInput:0": tfjs runs a signature's converted graph, so the
  // names must be an input and an output of one signature.
  async predict(request) {
    const model = this.model(request.handle);
    const full = (n) => (n.includes(":") ? n : n + ":0");
    for (const [key, signature] of Object.entries(model.signatures)) {
      const inputKey = Object.keys(signature.inputs).find((k) => signature.inputs[k].name === full(request.input_name));
      const outputKey = Object.keys(signature.outputs).find((k) => signature.outputs[k].name === full(request.output_name));
      if (inputKey !== undefined && outputKey !== undefined && Object.keys(signature.inputs).length === 1) {
        return this.predictOne(request, model, key, inputKey, outputKey);
      }
    }
    const named = Object.values(model.signatures).flatMap((s) => [...Object.values(s.inputs), ...Object.values(s.outputs)]).map((t) => t.name);
    const which = [request.input_name, request.output_name].filter((n) => !named.includes(full(n)));
    fail("unknown-tensor", `${NAME} runs a SavedModel through its signatures (the converter keeps one signature's ` +
         `graph), and ${which.length ? `${which.map((n) => `'${n}'`).join(", ")} is not an input or output of any` :
         `'${request.input_name}' and '${request.output_name}' are not the only input and an output of one`} signature; ` +
         `its signatures' tensors: ${named.join(", ") || "(none)"}`);
  }

  async predictOne(request, model, key, inputKey, outputKey) {
    const x = readNpy(request.input);
    if (x.dtype !== "float32") {
      fail("invalid-input", `input '${request.input_name || inputKey}': expected dtype float32, got ${x.dtype}`);
    }
    const outputs = await this.call(model, key, {[inputKey]: x}, [outputKey]);
    return predictReply(request, outputs[outputKey]);
  }

  one(key, role, tensors, wanted) {
    const have = Object.keys(tensors).sort();
    const listed = have.join(", ") || "(none)";
    if (wanted === null || wanted === undefined) {
      if (have.length !== 1) fail("signature-key-not-found", `signature '${key}' has ${have.length} ${role}s, so name one with its ${role} key; its ${role} keys: ${listed}`);
      return have[0];
    }
    if (!(wanted in tensors)) fail("signature-key-not-found", `signature '${key}' has no ${role} '${wanted}'; its ${role} keys: ${listed}`);
    return wanted;
  }

  close(request) {
    const model = this.models.get(request.handle);
    if (model) for (const g of model.graphs.values()) g.graph.dispose();
    this.models.delete(request.handle);
    return {};
  }
}

const shapeText = (shape) => (shape === null ? "<unknown rank>" : "[" + shape.map((d) => (d < 0 ? "?" : String(d))).join(", ") + "]");
const INT32 = [-(2 ** 31), 2 ** 31 - 1];
// What the converter made of a signature's int64 and float64 inputs: int32 and float32 placeholders.
const NARROWED = {int64: "int32", float64: "float32"};

// An input as the converted graph takes it: of the signature's dtype (another integer type is converted when every
// value fits, as the other runtimes do), and of its shape. An int64 or float64 input is fed narrowed, as the
// converter made its placeholder, only if every value is exactly an int32 or a float32: tfjs would otherwise
// compute on other numbers than the caller gave, without a word.
function conform(key, x, info) {
  const what = `input '${key}' expects ${info.dtype} ${shapeText(info.shape)}`;
  if (x.values === undefined) fail("invalid-input", `${what}; got ${x.dtype}`);
  const isInt = (d) => /^u?int/.test(d);
  if (x.dtype !== info.dtype && !(isInt(info.dtype) && isInt(x.dtype))) fail("invalid-input", `${what}; got ${x.dtype}`);
  const shape = info.shape;
  if (shape !== null && (shape.length !== x.shape.length || shape.some((d, i) => d >= 0 && d !== x.shape[i]))) {
    fail("invalid-input", `${what}; got shape [${x.shape.join(", ")}]`);
  }
  const fed = NARROWED[info.dtype] || info.dtype;
  let values = x.values;
  if (fed === "int32" && x.dtype !== "int32") {
    const bad = values.findIndex((v) => Number(v) < INT32[0] || Number(v) > INT32[1]);
    if (bad >= 0) {
      fail("invalid-input", `${what}; got ${x.dtype} with value(s) outside int32's range, the first ${values[bad]} at ` +
           `flat index ${bad}` + (info.dtype === "int64" ? ` (${NAME} computes int64 as int32: its converter narrows it)` : ""));
    }
    values = Int32Array.from(values, (v) => Number(v));
  } else if (fed === "float32" && x.dtype === "float64") {
    const bad = values.findIndex((v) => Math.fround(v) !== v && !Number.isNaN(v));
    if (bad >= 0) {
      fail("invalid-input", `${what}; value ${values[bad]} at flat index ${bad} is not exactly a float32, and ${NAME} ` +
           `computes float64 as float32 (its converter narrows it): feed values a float32 holds`);
    }
    values = Float32Array.from(values);
  }
  return {dtype: fed, shape: x.shape, values};
}

// ------------------------------------------------------------------ the loop

async function handle(consumer, request) {
  switch (request.op) {
    case "info": return {name: NAME, version: VERSION};
    case "load": return consumer.load(request);
    case "run": return consumer.run(request);
    case "predict": return consumer.predict(request);
    case "predict_signature": return consumer.predictSignature(request);
    case "close": return consumer.close(request);
    default: fail("error", `unknown worker request '${request.op}'`);
  }
}

async function main() {
  await tf.setBackend("cpu");
  await tf.ready();
  const consumer = new Consumer();
  reply({ok: true, result: {name: NAME, version: VERSION}});
  const lines = readline.createInterface({input: process.stdin, terminal: false});
  for await (const line of lines) {
    let answer;
    try {
      answer = {ok: true, result: await handle(consumer, JSON.parse(line))};
    } catch (e) {
      const kind = e instanceof WorkerError ? e.kind : "error";
      const message = e instanceof WorkerError ? e.message : `${e.name}: ${e.message}`;
      answer = {ok: false, error: {kind, message, runtime_message: e.runtimeMessage || null}};
    }
    reply(answer);
  }
  // EOF: the client is done. The converter's process reads EOF too and ends.
  if (consumer.converter.proc) consumer.converter.proc.stdin.end();
}

main().catch((e) => {
  reply({ok: false, error: {kind: "error", message: `${NAME}'s worker could not start: ${e.message}`}});
  process.exit(1);
});
