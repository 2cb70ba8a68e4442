// .scratch/relief.ts
import sharp5 from "sharp";

// src/headless/chromium.ts
import { accessSync, constants, mkdtempSync, readlinkSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, delimiter, dirname, isAbsolute, join } from "node:path";

// src/core/errors.ts
var FocusFuseError = class extends Error {
  code;
  /** The file or stack the problem is about, when there is one. */
  file;
  constructor(code, message, file) {
    super(file ? `${file}: ${message}` : message);
    this.name = "FocusFuseError";
    this.code = code;
    this.file = file;
  }
};
function describeValue(value) {
  if (value === void 0) return "nothing";
  if (value === null) return "null";
  if (typeof value === "string") return `'${value}' (string)`;
  if (Array.isArray(value)) return `array of length ${value.length}`;
  if (typeof value === "object") return value.constructor?.name ?? "object";
  return `${String(value)} (${typeof value})`;
}
function expected(what, name, received, file) {
  throw new FocusFuseError("BAD_OPTION", `Expected ${what} for ${name} but received ${describeValue(received)}`, file);
}

// src/headless/cleanup.ts
import { readdirSync, readFileSync, rmSync } from "node:fs";
var SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"];
var live = /* @__PURE__ */ new Set();
function processTable(text) {
  let entries;
  try {
    entries = readdirSync("/proc").filter((entry) => /^\d+$/.test(entry));
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    try {
      const stat2 = readFileSync(`/proc/${entry}/stat`, "utf8");
      const [state, ppid] = stat2.slice(stat2.lastIndexOf(")") + 2).split(" ");
      const mentions = readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(text);
      return [{ pid: Number(entry), ppid: Number(ppid), mentions, dead: state === "Z" || state === "X" }];
    } catch {
      return [];
    }
  });
}
function browserProcesses(root, folder2) {
  const table = processTable(folder2);
  const found = new Set(root === void 0 ? [] : [root]);
  for (const entry of table) if (entry.mentions) found.add(entry.pid);
  for (let grew = true; grew; ) {
    grew = false;
    for (const entry of table) {
      if (found.has(entry.ppid) && !found.has(entry.pid)) {
        found.add(entry.pid);
        grew = true;
      }
    }
  }
  return [...found];
}
function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
function killAndWaitSync(pids, limitMs) {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
    }
  }
  const until = Date.now() + limitMs;
  const alive = (pid) => {
    try {
      const stat2 = readFileSync(`/proc/${pid}/stat`, "utf8");
      return !/^[ZX]/.test(stat2.slice(stat2.lastIndexOf(")") + 2));
    } catch {
      return false;
    }
  };
  while (pids.some(alive) && Date.now() < until) sleepSync(20);
}
function removeNow(leftover) {
  live.delete(leftover);
  const child = leftover.process;
  const running = child !== void 0 && child.exitCode === null && child.signalCode === null;
  killAndWaitSync(browserProcesses(running ? child.pid : void 0, leftover.folder), 3e3);
  let related = [];
  try {
    related = leftover.related?.() ?? [];
  } catch {
  }
  for (const folder2 of [...related, leftover.folder]) {
    try {
      rmSync(folder2, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
    } catch {
    }
  }
}
function removeAll() {
  for (const leftover of [...live]) removeNow(leftover);
}
function onSignal(signal) {
  if (process.listenerCount(signal) > 1) return;
  removeAll();
  unwatch();
  process.kill(process.pid, signal);
}
function watch() {
  if (live.size > 0) return;
  process.on("exit", removeAll);
  for (const signal of SIGNALS) process.on(signal, onSignal);
}
function unwatch() {
  process.off("exit", removeAll);
  for (const signal of SIGNALS) process.off(signal, onSignal);
}
function registerLeftover(leftover) {
  watch();
  live.add(leftover);
  return () => {
    if (live.has(leftover)) removeNow(leftover);
    if (live.size === 0) unwatch();
  };
}

// src/headless/chromium.ts
var CHROMIUM_NAMES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"];
var CHROMIUM_CANDIDATES = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/snap/bin/chromium",
  "/usr/bin/google-chrome",
  "/opt/google/chrome/chrome",
  "/Applications/Chromium.app/Contents/MacOS/Chromium",
  "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"
];
var CHROMIUM_ENV_VARS = ["FOCUSFUSE_CHROMIUM", "PUPPETEER_EXECUTABLE_PATH"];
var CHROMIUM_FLAGS = [
  "--headless=new",
  "--enable-unsafe-webgpu",
  "--enable-features=Vulkan",
  "--use-vulkan=swiftshader",
  "--use-webgpu-adapter=swiftshader",
  "--no-sandbox",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic"
];
function isExecutable(path) {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
function pathCandidates(pathVariable) {
  const folders = (pathVariable ?? "").split(delimiter).filter((folder2) => folder2 !== "" && isAbsolute(folder2));
  return CHROMIUM_NAMES.flatMap((name) => folders.map((folder2) => join(folder2, name)));
}
function findChromium(executablePath, env = process.env, fallbacks = CHROMIUM_CANDIDATES) {
  const explicit = [
    ["executablePath", executablePath],
    ...CHROMIUM_ENV_VARS.map((name) => [name, env[name]])
  ];
  for (const [source, path] of explicit) {
    if (!path) continue;
    if (isExecutable(path)) return path;
    throw new FocusFuseError("BACKEND", `Chromium not found: ${source} is '${path}', which is not an executable file`);
  }
  const searched = pathCandidates(env.PATH);
  const found = [...searched, ...fallbacks].find(isExecutable);
  if (found) return found;
  const onPath = env.PATH ? `on PATH (${env.PATH})` : "on PATH (PATH is empty)";
  throw new FocusFuseError(
    "BACKEND",
    `Chromium not found: tried ${CHROMIUM_ENV_VARS.join(" and ")} (both unset), ${CHROMIUM_NAMES.join(", ")} ${onPath}, then ${fallbacks.join(", ")}; install Debian's chromium (apt-get install chromium) or Google Chrome, or set FOCUSFUSE_CHROMIUM to a Chromium executable`
  );
}
async function killAndWait(browser) {
  const child = browser.process();
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}
function singletonFolder(profile) {
  const folder2 = dirname(readlinkSync(join(profile, "SingletonSocket")));
  return basename(folder2).startsWith("org.chromium.Chromium.") ? [folder2] : [];
}
function setKeepsNodeAlive(browser, keep) {
  const child = browser.process();
  if (!child) return;
  for (const handle of [child, ...child.stdio]) {
    if (keep) handle?.ref?.();
    else handle?.unref?.();
  }
}
async function launchChromium(options = {}) {
  const executablePath = findChromium(options.executablePath);
  const userDataDir = mkdtempSync(join(tmpdir(), "focusfuse-chromium-"));
  const leftover = { folder: userDataDir, related: () => singletonFolder(userDataDir) };
  const removeProfile = registerLeftover(leftover);
  let browser;
  try {
    const { default: puppeteer } = await import("puppeteer-core");
    browser = await puppeteer.launch({
      executablePath,
      headless: true,
      pipe: true,
      userDataDir,
      // A copy: puppeteer edits the array it is given (it merges --enable-features into its own).
      args: [...CHROMIUM_FLAGS, ...options.extraArgs ?? []],
      // No per-call CDP timeout: a job's call lasts as long as the job, and the runtime times jobs itself.
      protocolTimeout: 0,
      // cleanup.ts handles termination; puppeteer's signal handlers would race it.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false
    });
  } catch (error) {
    removeProfile();
    throw new FocusFuseError("BACKEND", `could not launch Chromium (${executablePath}): ${error.message}`);
  }
  leftover.process = browser.process() ?? void 0;
  try {
    const singleton = singletonFolder(userDataDir);
    leftover.related = () => singleton;
  } catch {
  }
  return {
    browser,
    executablePath,
    keepNodeAlive: (keep) => setKeepsNodeAlive(browser, keep),
    async close() {
      setKeepsNodeAlive(browser, true);
      try {
        if (browser.connected) await browser.close();
      } catch {
      }
      await killAndWait(browser);
      removeProfile();
    }
  };
}

// src/viewer/assets.ts
import { readFile } from "node:fs/promises";
import { join as join2 } from "node:path";
import { fileURLToPath } from "node:url";

// src/headless/page-bundle.ts
async function bundleForBrowser(entry) {
  const esbuild = await import("esbuild");
  const built = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    loader: { ".wgsl": "text", ".wasm": "binary" },
    write: false,
    logLevel: "silent"
  });
  return built.outputFiles[0].text;
}

// src/viewer/assets.ts
var fromSources = import.meta.url.endsWith(".ts");
var projectRoot = fileURLToPath(new URL(fromSources ? "../../" : "../", import.meta.url));
async function loadViewerAssets() {
  const folder2 = fromSources ? join2(projectRoot, "src", "viewer", "app") : join2(projectRoot, "dist", "viewer");
  try {
    const [html, css] = await Promise.all([readFile(join2(folder2, "index.html"), "utf8"), readFile(join2(folder2, "viewer.css"), "utf8")]);
    const script = fromSources ? await bundleForBrowser(join2(folder2, "main.ts")) : await readFile(join2(folder2, "viewer.js"), "utf8");
    return { html, css, script };
  } catch (error) {
    if (error instanceof FocusFuseError) throw error;
    throw new FocusFuseError("BACKEND", `the viewer's page files in ${folder2} are missing or unreadable (${error.message}); run \`npm run build\``);
  }
}

// src/viewer/server.ts
import { readdir as readdir3, readFile as readFile3 } from "node:fs/promises";
import { createServer } from "node:http";
import { extname as extname2, join as join5 } from "node:path";
import sharp4 from "sharp";

// src/viewer/loopback-host.ts
var LOOPBACK_HOST_NAMES = ["127.0.0.1", "localhost", "[::1]"];
function isLoopbackHost(host) {
  const match2 = /^(\[[^\]]*\]|[^:]*)(?::(\d{1,5}))?$/.exec((host ?? "").toLowerCase());
  if (!match2) return false;
  const [, name, port] = match2;
  if (port !== void 0 && (Number(port) < 1 || Number(port) > 65535)) return false;
  return LOOPBACK_HOST_NAMES.includes(name);
}

// src/viewer/catalog.ts
import { readdir } from "node:fs/promises";
import { basename as basename2, join as join3, relative, sep } from "node:path";

// src/core/text.ts
function countOf(n, singular, plural2 = `${singular}s`) {
  return `${n} ${n === 1 ? singular : plural2}`;
}

// src/io/cccid.ts
var PLANE_ORDERS = ["auto", "cccid", "natural", "given"];
var CCCID_NAME = /^(.+)_\(\s*(-?\d+)\s*,\s*(-?\d+)\s*,\s*(-?\d+)\s*\)\.(?:jpe?g|png|tiff?)$/i;
var FOV_KEY = /^(.+)_\(\s*(-?\d+)\s*,\s*(-?\d+)\s*\)$/;
function baseName(path) {
  return path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1);
}
function folderOf(path) {
  return path.slice(0, Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"), 0));
}
function parseCccidName(fileName) {
  const match2 = CCCID_NAME.exec(baseName(fileName));
  if (!match2) return void 0;
  return { serial: match2[1], cx: Number(match2[2]), cy: Number(match2[3]), z: Number(match2[4]) };
}
function fovKey(name) {
  return `${name.serial}_(${name.cx},${name.cy})`;
}
function parseFovKey(key) {
  const match2 = FOV_KEY.exec(key.trim());
  if (!match2) return void 0;
  return { serial: match2[1], cx: Number(match2[2]), cy: Number(match2[3]) };
}
var CHUNKS = /(\d+)|(\D+)/g;
function compareDigits(a, b) {
  const x = a.replace(/^0+(?=\d)/, "");
  const y = b.replace(/^0+(?=\d)/, "");
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}
function naturalCompare(a, b) {
  const left = a.match(CHUNKS) ?? [];
  const right = b.match(CHUNKS) ?? [];
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const x = left[i];
    const y = right[i];
    const bothDigits = /^\d/.test(x) && /^\d/.test(y);
    const order = bothDigits ? compareDigits(x, y) : compareText(x.toLowerCase(), y.toLowerCase());
    if (order !== 0) return order;
  }
  if (left.length !== right.length) return left.length - right.length;
  return compareText(a, b);
}
function compareText(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}
function groupByFov(fileNames) {
  const groups = /* @__PURE__ */ new Map();
  const other = [];
  for (const file of fileNames) {
    const name = parseCccidName(file);
    if (!name) {
      other.push(file);
      continue;
    }
    const folder2 = folderOf(file);
    const key = fovKey(name);
    const id = `${folder2}\0${key}`;
    let group = groups.get(id);
    if (!group) {
      group = { key, folder: folder2, serial: name.serial, cx: name.cx, cy: name.cy, files: [] };
      groups.set(id, group);
    }
    group.files.push(file);
  }
  const fovs = [...groups.values()].sort((a, b) => naturalCompare(a.folder, b.folder) || naturalCompare(a.key, b.key));
  return { fovs, other };
}
function describeFovs(fovs) {
  const folders = new Set(fovs.map((f) => f.folder)).size;
  return fovs.map((f) => `${folders > 1 && f.folder ? `${f.folder}/` : ""}${f.key} (${countOf(f.files.length, "plane")})`).join(", ");
}
function orderPlanes(files, order = "auto") {
  if (!PLANE_ORDERS.includes(order)) {
    expected(`one of ${PLANE_ORDERS.map((o) => `'${o}'`).join(", ")}`, "order", order);
  }
  if (order === "given") return { files: [...files] };
  const named = files.filter((f) => parseCccidName(f)).length;
  if (order === "auto" && named > 0 && named < files.length) {
    const other = files.find((f) => !parseCccidName(f));
    throw new FocusFuseError(
      "AMBIGUOUS_INPUT",
      `${named} of ${files.length} files ${named === 1 ? "has a CCCID name" : "have CCCID names"} <serial>_(<cx>,<cy>,<z>) but ${baseName(other)}${files.length - named > 1 ? ` and ${files.length - named - 1} more do` : " does"} not, so the plane order is unclear: leave the other files out, or give --order natural (or given) to fuse them all in that order`
    );
  }
  const useCccid = order === "cccid" || order === "auto" && files.length > 0 && named === files.length;
  if (!useCccid) return { files: [...files].sort((a, b) => naturalCompare(baseName(a), baseName(b)) || naturalCompare(a, b)) };
  return orderByCccidZ(files);
}
function orderByCccidZ(files) {
  if (files.length === 0) return { files: [] };
  const notCccid = files.find((f) => !parseCccidName(f));
  if (notCccid !== void 0) {
    throw new FocusFuseError("Z_ORDER", "is not a CCCID name <serial>_(<cx>,<cy>,<z>).jpg (use order natural or given for other names)", notCccid);
  }
  const { fovs } = groupByFov(files);
  if (fovs.length > 1) {
    throw new FocusFuseError(
      "AMBIGUOUS_INPUT",
      `the input holds ${fovs.length} CCCID fields of view: ${describeFovs(fovs)}; pick one with --fov ${fovs[0].key}`
    );
  }
  const planes = files.map((file) => ({ file, z: parseCccidName(file).z })).sort((a, b) => a.z - b.z || naturalCompare(a.file, b.file));
  for (let i = 1; i < planes.length; i++) {
    const before = planes[i - 1];
    const here = planes[i];
    if (here.z === before.z) {
      throw new FocusFuseError("Z_ORDER", `duplicate z=${here.z}: ${baseName(before.file)} and ${baseName(here.file)} are the same plane`, here.file);
    }
    if (here.z !== before.z + 1) {
      const missing = here.z - before.z === 2 ? `z=${before.z + 1}` : `z=${before.z + 1}..${here.z - 1}`;
      throw new FocusFuseError(
        "Z_ORDER",
        `gap in z: ${missing} is missing between ${baseName(before.file)} and ${baseName(here.file)}`,
        fovs[0].folder ? `${fovs[0].folder}/${fovs[0].key}` : fovs[0].key
      );
    }
  }
  const { serial, cx, cy } = fovs[0];
  return { files: planes.map((p) => p.file), cccid: { serial, cx, cy, z: planes.map((p) => p.z) } };
}

// src/io/derived-image.ts
var DERIVED_IMAGE = /(^|[._-])(fused|depth|depth-color|confidence|aif|mask)\.(png|jpe?g|tiff?)$/i;
var DERIVED_IMAGE_REASON = "focusfuse outputs or ground truth, not planes";
function isDerivedImageName(name) {
  return DERIVED_IMAGE.test(name);
}

// src/viewer/stacks.ts
var VIEWER_IMAGE_EXTENSIONS = [".jpg", ".jpeg", ".png"];
function isViewerImage(path, extensions = VIEWER_IMAGE_EXTENSIONS) {
  const name = baseName(path).toLowerCase();
  return !name.startsWith(".") && extensions.some((ext) => name.endsWith(ext));
}
function folderOf2(path) {
  return path.slice(0, Math.max(path.lastIndexOf("/"), 0));
}
function ordered(name, files, zStepUm) {
  try {
    return { name, files: orderPlanes(files, zStepUm ? "cccid" : "natural").files, ...zStepUm ? { zStepUm } : {} };
  } catch (error) {
    const message = error instanceof FocusFuseError ? error.message : String(error);
    return { name, files, error: message };
  }
}
function byFolder(paths) {
  const folders = /* @__PURE__ */ new Map();
  for (const path of paths) {
    const folder2 = folderOf2(path) || ".";
    folders.set(folder2, [...folders.get(folder2) ?? [], path]);
  }
  return folders;
}
var byName = (a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
function findStacks(paths, extensions = VIEWER_IMAGE_EXTENSIONS, options = {}) {
  const minPlanes = options.minPlanes ?? 2;
  const images = paths.filter((path) => isViewerImage(path, extensions));
  const derived = images.filter((path) => isDerivedImageName(baseName(path)));
  const { fovs, other } = groupByFov(images.filter((path) => !isDerivedImageName(baseName(path))));
  const stacks = [];
  const hidden = [];
  for (const [name, files] of byFolder(derived)) hidden.push({ name, files, reason: DERIVED_IMAGE_REASON });
  const cccidFolders = new Set(fovs.map((fov) => fov.folder || "."));
  const candidates = [
    ...fovs.map((fov) => ({ name: fov.folder ? `${fov.folder}/${fov.key}` : fov.key, files: fov.files, zStepUm: 1 })),
    ...[...byFolder(other)].map(([name, files]) => ({ name, files, zStepUm: void 0 }))
  ];
  for (const { name, files, zStepUm } of candidates) {
    if (zStepUm === void 0 && cccidFolders.has(name)) hidden.push({ name, files, reason: "not CCCID planes, next to CCCID fields of view" });
    else if (files.length < minPlanes) hidden.push({ name, files, reason: "a single image is not a focal stack" });
    else stacks.push(ordered(name, files, zStepUm));
  }
  return { stacks: stacks.sort(byName), hidden: hidden.sort(byName) };
}

// src/viewer/catalog.ts
var CATALOG_IMAGE_EXTENSIONS = [...VIEWER_IMAGE_EXTENSIONS, ".tif", ".tiff"];
var CATALOG_LIMITS = { depth: 8, files: 5e4 };
var SKIPPED_FOLDERS = /* @__PURE__ */ new Set(["ground-truth", "node_modules", ".git"]);
async function listImages(root) {
  const found = [];
  async function walk(folder2, depth) {
    if (depth > CATALOG_LIMITS.depth || found.length >= CATALOG_LIMITS.files) return;
    const entries = await readdir(folder2, { withFileTypes: true });
    for (const entry of entries) {
      const path = join3(folder2, entry.name);
      if (entry.isDirectory() && !SKIPPED_FOLDERS.has(entry.name) && !entry.name.startsWith(".")) await walk(path, depth + 1);
      else if (entry.isFile() && isViewerImage(entry.name, CATALOG_IMAGE_EXTENSIONS) && found.length < CATALOG_LIMITS.files) found.push(path);
    }
  }
  await walk(root, 0);
  return found.map((path) => relative(root, path).split(sep).join("/"));
}
async function buildCatalog(roots) {
  const stacks = [];
  const hidden = [];
  const files = /* @__PURE__ */ new Map();
  for (const { root, source } of roots) {
    const found = findStacks(await listImages(root), CATALOG_IMAGE_EXTENSIONS);
    for (const group of found.hidden) hidden.push({ source, name: displayName(group.name, root, source), files: group.files.length, reason: group.reason });
    for (const group of found.stacks) {
      const id = String(stacks.length);
      const planes = group.files.map((file, z) => {
        const url = `/stacks/${id}/${z}`;
        files.set(url, join3(root, ...file.split("/")));
        return url;
      });
      const name = displayName(group.name, root, source);
      stacks.push({ id, source, name, planes, files: group.files.map((f) => f.slice(f.lastIndexOf("/") + 1)), zStepUm: group.zStepUm, error: group.error });
    }
  }
  return { stacks, hidden, files };
}
function displayName(name, root, source) {
  if (name === ".") return basename2(root);
  return source === "sample" ? `${basename2(root)}/${name}` : name;
}

// src/viewer/wide-planes.ts
import sharp3 from "sharp";

// src/io/load-stack.ts
import { readdir as readdir2, stat } from "node:fs/promises";
import { dirname as dirname2, extname, join as join4 } from "node:path";

// src/core/options.ts
var MAX_PLANES = 256;
var FUSION_PRESETS = {
  v1: { measure: "lapv", sigma: 3, depthMode: "gaussian", composite: "interpolate" },
  v2: { measure: "teng", sigma: 4, depthMode: "histogram", composite: "select" }
};
var DEFAULT_FUSION = "v2";
var DEFAULT_OPTIONS = {
  fusion: DEFAULT_FUSION,
  ...FUSION_PRESETS[DEFAULT_FUSION],
  window: 4,
  backend: "cpu",
  keepFocus: false,
  align: "none",
  alignReference: "middle",
  alignCrop: false,
  alignMatchBrightness: true
};

// src/core/stack.ts
function isWideStack(stack) {
  return stack.planes[0] instanceof Uint16Array;
}
function sampleMax(stack) {
  if (!(stack.planes[0] instanceof Uint16Array)) return 255;
  return 2 ** (stack.bitDepth ?? 16) - 1;
}
function toRgba8Stack(stack) {
  if (!isWideStack(stack)) return stack;
  const scale = 255 / sampleMax(stack);
  const planes = stack.planes.map((plane) => {
    const out2 = new Uint8Array(plane.length);
    for (let i = 0; i < plane.length; i++) out2[i] = Math.min(255, Math.round(plane[i] * scale));
    return out2;
  });
  const { bitDepth: _, ...rest } = stack;
  return { ...rest, planes };
}

// src/io/decode.ts
import { readFile as readFile2 } from "node:fs/promises";
import sharp2 from "sharp";

// src/io/output-tag.ts
import sharp from "sharp";
var TAG_PATTERN = /focusfuse:output="([\w-]+)"/;
function outputTagOf(metadata) {
  return metadata.xmpAsString === void 0 ? void 0 : TAG_PATTERN.exec(metadata.xmpAsString)?.[1];
}
async function readOutputTag(path) {
  try {
    return outputTagOf(await sharp(path).metadata());
  } catch {
    return void 0;
  }
}

// src/io/decode.ts
var INPUT_FORMATS = ["jpeg", "png", "tiff"];
async function decodePlane(path, options = {}) {
  let bytes;
  try {
    bytes = await readFile2(path);
  } catch (error) {
    const code = error.code;
    if (code === "ENOENT") throw new FocusFuseError("NOT_FOUND", "no such file", path);
    if (code === "EISDIR") throw new FocusFuseError("DECODE", "is a folder, not an image file", path);
    throw new FocusFuseError("DECODE", `cannot read the file (${error.message})`, path);
  }
  return decodeImage(bytes, path, options);
}
async function decodeImage(bytes, name, options = {}) {
  if (bytes.length === 0) throw new FocusFuseError("DECODE", "the file is empty", name);
  try {
    const input = () => sharp2(bytes, { failOn: "truncated" });
    const metadata = await input().metadata();
    const { format, depth } = metadata;
    const grey = (metadata.channels ?? 3) <= 2;
    const outputTag = outputTagOf(metadata);
    if (!INPUT_FORMATS.includes(format)) {
      throw new FocusFuseError("DECODE", `unsupported image format '${format}' (expected JPEG, PNG or TIFF)`, name);
    }
    const wide = depth !== "uchar" && depth !== "char";
    if (!wide) {
      const plain = metadata.space === "srgb" && !metadata.icc && (metadata.channels === 3 || metadata.channels === 4);
      const srgb = plain ? input() : input().toColourspace("srgb");
      if (options.transferable === false) {
        const { data: data3, info: info3 } = await srgb.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
        if (info3.channels !== 4) throw new Error(`sharp returned ${info3.channels} channels after sRGB conversion`);
        const rgba3 = new Uint8Array(data3.buffer, data3.byteOffset, data3.length);
        return { width: info3.width, height: info3.height, data: rgba3, format, bitDepth: 8, grey, outputTag };
      }
      const { data: data2, info: info2 } = await srgb.raw().toBuffer({ resolveWithObject: true });
      const rgba2 = toRgba8(data2, info2.width * info2.height, info2.channels);
      return { width: info2.width, height: info2.height, data: rgba2, format, bitDepth: 8, grey, outputTag };
    }
    const { data, info } = await input().toColourspace("rgb16").raw({ depth: "ushort" }).toBuffer({ resolveWithObject: true });
    const samples = new Uint16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
    const rgba = toRgba16(samples, info.width * info.height, info.channels);
    return { width: info.width, height: info.height, data: rgba, format, bitDepth: 16, grey, outputTag };
  } catch (error) {
    if (error instanceof FocusFuseError) throw error;
    throw new FocusFuseError("DECODE", describeSharpError(error.message, bytes), name);
  }
}
function toRgba8(samples, pixels, channels) {
  if (channels === 4) return new Uint8Array(samples);
  if (channels !== 3) throw new Error(`sharp returned ${channels} channels after sRGB conversion`);
  const out2 = new Uint8Array(pixels * 4);
  if (LITTLE_ENDIAN) {
    const words = new Uint32Array(out2.buffer);
    for (let p = 0, s = 0; p < pixels; p++, s += 3) words[p] = samples[s] | samples[s + 1] << 8 | samples[s + 2] << 16 | 4278190080;
    return out2;
  }
  return rgbIntoRgba(samples, pixels, out2, 255);
}
function rgbIntoRgba(samples, pixels, out2, opaque) {
  for (let p = 0, s = 0, o = 0; p < pixels; p++, s += 3, o += 4) {
    out2[o] = samples[s];
    out2[o + 1] = samples[s + 1];
    out2[o + 2] = samples[s + 2];
    out2[o + 3] = opaque;
  }
  return out2;
}
var LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
function toRgba16(samples, pixels, channels) {
  if (channels !== 3 && channels !== 4) throw new Error(`sharp returned ${channels} channels after sRGB conversion`);
  if (channels === 4) return samples;
  return rgbIntoRgba(samples, pixels, new Uint16Array(pixels * 4), 65535);
}
function describeSharpError(message, bytes) {
  const first = message.split("\n")[0].trim();
  if (/unsupported image format/i.test(first)) return "not a JPEG, PNG or TIFF image (cannot decode it)";
  if (lacksEndMarker(bytes)) return "the file is truncated or corrupt (it ends before its end-of-image marker)";
  if (/premature end|end of stream|truncat|short read|unexpected end/i.test(message)) return `the file is truncated or corrupt (${first})`;
  return `cannot decode the image (${first})`;
}
function lacksEndMarker(bytes) {
  const tail = bytes.subarray(Math.max(0, bytes.length - 64));
  const has = (marker) => tail.some((_, i) => marker.every((m, k) => tail[i + k] === m));
  if (bytes[0] === 255 && bytes[1] === 216) return !has([255, 217]);
  if (bytes[0] === 137 && bytes[1] === 80 && bytes[2] === 78 && bytes[3] === 71) return !has([73, 69, 78, 68]);
  return false;
}

// src/io/load-stack.ts
var IMAGE_EXTENSIONS = [".jpg", ".jpeg", ".png", ".tif", ".tiff"];
function isHiddenOrTemp(name) {
  return name.startsWith(".") || name.endsWith("~") || /\.(tmp|temp|part|crdownload|swp)$/i.test(name);
}
async function loadStack(input, options = {}) {
  const warn = options.onWarning ?? (() => {
  });
  const { files: all, folder: folder2 } = await listInput(input, warn);
  const listed = folder2 === void 0 ? all : await leaveOutNonPlanes(all, folder2, options.order ?? "auto", warn);
  const candidates = options.fov === void 0 ? listed : selectFov(listed, options.fov, folder2);
  const ordered2 = orderPlanes(candidates, options.order ?? "auto");
  const name = stackName(ordered2.files, folder2, ordered2.cccid);
  if (ordered2.files.length > MAX_PLANES) {
    throw new FocusFuseError("TOO_MANY_PLANES", `Expected at most ${MAX_PLANES} planes but received ${ordered2.files.length}`, name);
  }
  const planes = await decodeAll(ordered2.files, { transferable: options.transferable });
  const output = planes.findIndex((p) => p.outputTag !== void 0);
  if (output >= 0) {
    throw new FocusFuseError("AMBIGUOUS_INPUT", `is a focusfuse output (${planes[output].outputTag}), not a plane; leave it out of the planes`, ordered2.files[output]);
  }
  const mixed = planes.some((p) => p.width !== planes[0].width || p.height !== planes[0].height);
  checkSizes(planes, ordered2.files, options.allowMixedSizes ? MIXED_SIZE_LIMIT : 1);
  if (planes.length === 1) warn(`${name}: only one plane; the fused image is that plane and the depth is 0 everywhere`);
  const meta = { name, files: ordered2.files };
  if (ordered2.cccid) {
    meta.cccid = ordered2.cccid;
    meta.zStepUm = 1;
  }
  if (planes.every((p) => p.grey)) meta.grey = true;
  const wide = planes.some((p) => p.data instanceof Uint16Array);
  const width = Math.max(...planes.map((p) => p.width));
  const height = Math.max(...planes.map((p) => p.height));
  const sizes = mixed ? { planeSizes: planes.map((p) => ({ width: p.width, height: p.height })) } : {};
  if (!wide) return { width, height, planes: planes.map((p) => padded(p, width, height, Uint8Array)), ...sizes, meta };
  const widePlanes = planes.map((p) => padded(p, width, height, Uint16Array));
  const range = sampleRange(widePlanes);
  const stack = { width, height, planes: widePlanes, bitDepth: significantBits(range[1]), ...sizes, meta };
  if (!options.highBitDepth) return toRgba8Stack(stack);
  meta.sampleRange = range;
  return stack;
}
function padded(plane, width, height, Type) {
  const data = plane.data instanceof Type ? plane.data : Uint16Array.from(plane.data, (v) => v * 257);
  if (plane.width === width && plane.height === height) return data;
  const out2 = new Type(width * height * 4);
  for (let y = 0; y < plane.height; y++) out2.set(data.subarray(y * plane.width * 4, (y + 1) * plane.width * 4), y * width * 4);
  return out2;
}
function sampleRange(planes) {
  let min = 65535;
  let max = 0;
  for (const plane of planes) {
    for (let i = 0; i < plane.length; i += 4) {
      for (let c = i; c < i + 3; c++) {
        const v = plane[c];
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
  }
  return [min, max];
}
function significantBits(max) {
  return Math.min(16, Math.max(8, Math.ceil(Math.log2(max + 1))));
}
async function listInput(input, warn) {
  const paths = typeof input === "string" ? [input] : [...input];
  if (paths.length === 0) throw new FocusFuseError("NO_IMAGES", "Expected a folder or image files but received none");
  const kinds = await Promise.all(paths.map(kindOf));
  if (paths.length === 1 && kinds[0] === "folder") return { files: await listFolder(paths[0], warn), folder: paths[0] };
  paths.forEach((path, i) => {
    if (kinds[i] === "missing") throw new FocusFuseError("NOT_FOUND", "no such file or folder", path);
    if (kinds[i] === "folder") {
      const others = paths.filter((_, j) => j !== i);
      const listed = `${countOf(others.length, "other input")} (${others.map((p) => `'${p}'`).join(", ")})`;
      throw new FocusFuseError("BAD_OPTION", `is a folder, given with ${listed}; give either one folder or a list of image files`, path);
    }
  });
  return { files: paths };
}
async function kindOf(path) {
  try {
    return (await stat(path)).isDirectory() ? "folder" : "file";
  } catch {
    return "missing";
  }
}
async function listFolder(folder2, warn) {
  const entries = await readdir2(folder2, { withFileTypes: true });
  const images = [];
  const skipped = [];
  let subfolders = 0;
  for (const entry of entries) {
    if (isHiddenOrTemp(entry.name)) continue;
    if (entry.isDirectory()) subfolders += 1;
    else if (IMAGE_EXTENSIONS.includes(extname(entry.name).toLowerCase())) images.push(join4(folder2, entry.name));
    else skipped.push(entry.name);
  }
  if (images.length === 0) {
    const hint = subfolders > 0 ? ` (it has ${subfolders} subfolder${subfolders > 1 ? "s" : ""}; give the folder of one stack, or use focusfuse batch for a dataset tree)` : "";
    throw new FocusFuseError("NO_IMAGES", `no JPEG, PNG or TIFF images in this folder${hint}`, folder2);
  }
  if (skipped.length > 0) {
    const shown = skipped.slice(0, 5).join(", ") + (skipped.length > 5 ? `, and ${skipped.length - 5} more` : "");
    warn(`${folder2}: ignored ${countOf(skipped.length, "file that is", "files that are")} not JPEG, PNG or TIFF: ${shown}`);
  }
  return images;
}
function listNames(files) {
  const names = files.map(baseName);
  return names.slice(0, 5).join(", ") + (names.length > 5 ? `, and ${names.length - 5} more` : "");
}
var plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
async function leaveOutNonPlanes(files, folder2, order, warn) {
  const cccid = files.filter((f) => parseCccidName(f));
  const byName2 = order !== "natural" && order !== "given" && cccid.length > 0;
  const suspects = byName2 ? files.filter((f) => !parseCccidName(f)) : files;
  const tags = await Promise.all(suspects.map(readOutputTag));
  const outputs = suspects.filter((_, i) => tags[i] !== void 0);
  const strays = byName2 ? suspects.filter((_, i) => tags[i] === void 0) : [];
  if (outputs.length > 0) warn(`${folder2}: left out ${plural(outputs.length, "focusfuse output")} (never planes): ${listNames(outputs)}`);
  if (strays.length >= cccid.length && strays.length > 0) {
    throw new FocusFuseError(
      "AMBIGUOUS_INPUT",
      `holds ${plural(cccid.length, "CCCID-named plane")} <serial>_(<cx>,<cy>,<z>) and ${plural(strays.length, "other image")} (${listNames(strays)}), so which are the planes is unclear: move the other images out of the folder, or give the planes as files (with --order natural or given for non-CCCID names)`,
      folder2
    );
  }
  if (strays.length > 0) warn(`${folder2}: left out ${plural(strays.length, "image")} without a CCCID name beside the CCCID planes: ${listNames(strays)}`);
  const planes = files.filter((f) => !outputs.includes(f) && !strays.includes(f));
  if (planes.length === 0) throw new FocusFuseError("NO_IMAGES", `holds only focusfuse outputs (${listNames(outputs)}), no planes`, folder2);
  return planes;
}
function selectFov(files, fov, folder2) {
  const wanted = parseFovKey(fov);
  if (!wanted) {
    throw new FocusFuseError("BAD_OPTION", `Expected <serial>_(<cx>,<cy>) for --fov but received '${fov}' (string)`);
  }
  const { fovs } = groupByFov(files);
  const matches = fovs.filter((group) => group.key === fovKey(wanted));
  if (matches.length === 0) {
    const available = fovs.length > 0 ? `; available: ${describeFovs(fovs)}` : "; no file has a CCCID name <serial>_(<cx>,<cy>,<z>)";
    throw new FocusFuseError("NOT_FOUND", `no field of view ${fovKey(wanted)}${available}`, folder2);
  }
  return matches.flatMap((group) => group.files);
}
function stackName(files, folder2, cccid) {
  if (cccid) return join4(dirname2(files[0]), fovKey(cccid));
  if (folder2 !== void 0) return folder2;
  return files.length === 1 ? files[0] : `${baseName(files[0])} .. ${baseName(files[files.length - 1])} (${files.length} files)`;
}
async function decodeAll(files, options) {
  const settled = await Promise.allSettled(files.map((file) => decodePlane(file, options)));
  const failures = settled.flatMap((s) => s.status === "rejected" ? [s.reason] : []);
  if (failures.length > 0) {
    const first = failures[0];
    if (failures.length > 1 && first instanceof FocusFuseError) {
      const detail = first.file ? first.message.slice(first.file.length + 2) : first.message;
      const others = failures.length - 1;
      throw new FocusFuseError(first.code, `${detail} (and ${others} more file${others > 1 ? "s" : ""} failed)`, first.file);
    }
    throw first;
  }
  return settled.map((s) => s.value);
}
var MIXED_SIZE_LIMIT = 1.25;
function checkSizes(planes, files, limit) {
  const [first] = planes;
  const within = (a, b) => Math.max(a, b) <= limit * Math.min(a, b);
  planes.forEach((plane, z) => {
    if (plane.width === first.width && plane.height === first.height) return;
    if (limit === 1) {
      throw new FocusFuseError(
        "SIZE_MISMATCH",
        `is ${plane.width}x${plane.height} but ${files[0]} is ${first.width}x${first.height}; every plane must have the same size (unregistered stacks: fuse with --align similarity, which accepts mixed sizes)`,
        files[z]
      );
    }
    if (!within(plane.width, first.width) || !within(plane.height, first.height)) {
      throw new FocusFuseError(
        "SIZE_MISMATCH",
        `is ${plane.width}x${plane.height} but ${files[0]} is ${first.width}x${first.height}: more than ${Math.round((limit - 1) * 100)} % apart, which alignment does not take for focus breathing (a truncated or wrong file?)`,
        files[z]
      );
    }
  });
}

// src/viewer/wide-planes.ts
async function isWidePlane(file) {
  try {
    const { depth } = await sharp3(file).metadata();
    return depth !== void 0 && depth !== "uchar" && depth !== "char";
  } catch {
    return false;
  }
}
function createWidePlaneReader() {
  let last;
  return async (files, z) => {
    if (last?.files !== files) last = { files, stack: loadStack([...files], { order: "given", allowMixedSizes: true }) };
    const loading = last;
    let stack;
    try {
      stack = await loading.stack;
    } catch (error) {
      if (last === loading) last = void 0;
      throw error;
    }
    const { width, height } = stack.planeSizes?.[z] ?? stack;
    return sharp3(stack.planes[z], { raw: { width: stack.width, height: stack.height, channels: 4 } }).extract({ left: 0, top: 0, width, height }).png({ compressionLevel: 1 }).toBuffer();
  };
}

// src/viewer/server.ts
var SECURITY_HEADERS = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  // blob: images are the exported PNGs; nothing is ever fetched from another origin.
  // 'wasm-unsafe-eval' lets the page compile the CPU fast path's module (bundled bytes, no eval of text).
  "content-security-policy": "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'"
};
var IMAGE_TYPES = { ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg" };
var TIFF_EXTENSIONS = [".tif", ".tiff"];
async function tiffAsPng(file) {
  return sharp4(file).png({ compressionLevel: 1 }).toBuffer();
}
async function sampleRoots(samples) {
  if (!samples) return [];
  const entries = await readdir3(samples, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory()).map((e) => ({ root: join5(samples, e.name), source: "sample" }));
}
async function startViewerServer(options) {
  const roots = [...options.folder ? [{ root: options.folder, source: "folder" }] : [], ...await sampleRoots(options.samples)];
  const catalog = await buildCatalog(roots);
  const listing = JSON.stringify({
    stacks: catalog.stacks.map(({ id, source, name, planes, files, zStepUm, error }) => ({ id, source, name, planes, files, zStepUm, error })),
    hidden: catalog.hidden
  });
  const fixed = /* @__PURE__ */ new Map([
    ["/", { type: "text/html; charset=utf-8", body: options.assets.html }],
    ["/index.html", { type: "text/html; charset=utf-8", body: options.assets.html }],
    ["/viewer.css", { type: "text/css; charset=utf-8", body: options.assets.css }],
    ["/viewer.js", { type: "text/javascript; charset=utf-8", body: options.assets.script }],
    ["/stacks.json", { type: "application/json; charset=utf-8", body: listing }]
  ]);
  async function handle(request, response) {
    if (!isLoopbackHost(request.headers.host)) return reply(response, 404, "text/plain", "not found");
    if (request.method !== "GET" && request.method !== "HEAD") return reply(response, 405, "text/plain", "method not allowed");
    const path = (request.url ?? "").split("?")[0];
    const page = fixed.get(path);
    if (page) return reply(response, 200, page.type, page.body);
    const file = catalog.files.get(path);
    if (!file) return reply(response, 404, "text/plain", "not found");
    let plane;
    try {
      plane = await planeBody(path, file);
    } catch {
      return reply(response, 404, "text/plain", "not found");
    }
    reply(response, 200, plane.type, plane.body);
  }
  const stackFiles = new Map(catalog.stacks.map((stack) => [stack.id, stack.planes.map((url2) => catalog.files.get(url2))]));
  const widePlane = createWidePlaneReader();
  async function planeBody(url2, file) {
    const extension = extname2(file).toLowerCase();
    const tiff = TIFF_EXTENSIONS.includes(extension);
    if ((tiff || extension === ".png") && await isWidePlane(file)) {
      const [, , id, z] = url2.split("/");
      return { type: "image/png", body: await widePlane(stackFiles.get(id), Number(z)) };
    }
    if (tiff) return { type: "image/png", body: await tiffAsPng(file) };
    return { type: IMAGE_TYPES[extension] ?? "application/octet-stream", body: await readFile3(file) };
  }
  const server2 = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) reply(response, 500, "text/plain", "internal error");
      else response.destroy();
    });
  });
  await new Promise((resolve, reject) => {
    server2.once("error", reject);
    server2.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server2.address();
  const url = `http://127.0.0.1:${port}/`;
  return {
    url,
    port,
    stacks: catalog.stacks,
    hidden: catalog.hidden,
    stackUrl: (id) => `${url}?stack=${encodeURIComponent(id)}`,
    async close() {
      server2.closeAllConnections();
      await new Promise((resolve) => server2.close(() => resolve()));
    }
  };
}
function reply(response, status, type, body) {
  response.writeHead(status, { ...SECURITY_HEADERS, "content-type": type, "content-length": Buffer.byteLength(body) });
  response.end(response.req.method === "HEAD" ? void 0 : body);
}

// .scratch/relief.ts
var [folder, match, out] = process.argv.slice(2);
var server = await startViewerServer({ assets: await loadViewerAssets(), folder });
var chromium = await launchChromium({ extraArgs: ["--use-gl=angle", "--use-angle=swiftshader"] });
try {
  const page = await chromium.browser.newPage();
  page.on("console", (m) => console.log("page:", m.text()));
  await page.setViewport({ width: 1100, height: 640 });
  const stack = server.stacks.find((s) => s.name.includes(match));
  if (!stack) throw new Error(`no stack ${match}: ${server.stacks.map((s) => s.name).join(", ")}`);
  await page.goto(server.stackUrl(stack.id));
  const fused = (composite) => page.waitForFunction((want) => {
    const s = focusfuseViewer.summary();
    return s.status === "fused" && s.composite === want || s.status === "error";
  }, { timeout: 12e4 }, composite);
  await page.waitForFunction(() => focusfuseViewer.summary().status === "fused", { timeout: 12e4 });
  await page.select('figure.view[data-view="0"] select.layer', "depth");
  await page.select('figure.view[data-view="1"] select.layer', "relief");
  const shots = [];
  for (const [preset, composite] of [["v1", "interpolate"], ["v2", "select"]]) {
    await page.select("#fusion", preset);
    await fused(composite);
    console.log(preset, JSON.stringify(await page.evaluate(() => focusfuseViewer.summary())));
    await new Promise((r) => setTimeout(r, 1500));
    const views = await page.$$("figure.view");
    for (const v of views) shots.push(Buffer.from(await v.screenshot({ type: "png" })));
  }
  const metas = await Promise.all(shots.map((s) => sharp5(s).metadata()));
  const w = metas[0].width, h = metas[0].height;
  await sharp5({ create: { width: 2 * w + 6, height: 2 * h + 6, channels: 3, background: "#fff" } }).composite(shots.map((input, i) => ({ input, left: i % 2 * (w + 6), top: Math.floor(i / 2) * (h + 6) }))).png().toFile(out);
  console.log("wrote", out);
} finally {
  await chromium.close();
  await server.close();
}
