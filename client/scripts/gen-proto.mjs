// npm run gen: generates the FlatBuffers TypeScript classes of proto/game.fbs into src/proto/
// (gitignored) with Debian's flatc, which tools/setup.sh installs. flatc 2.0.x output pairs with
// the flatbuffers 2.0.7 runtime of package.json. Does nothing when the output is newer than the
// schema.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const clientDir = dirname(dirname(fileURLToPath(import.meta.url)));
const schema = join(clientDir, '..', 'proto', 'game.fbs');
const outDir = join(clientDir, 'src', 'proto');
const stamp = join(outDir, '.stamp');

if (existsSync(stamp) && statSync(stamp).mtimeMs >= statSync(schema).mtimeMs) {
  process.exit(0);
}

let version;
try {
  version = execFileSync('flatc', ['--version'], { encoding: 'utf8' }).trim();
} catch {
  console.error('gen: flatc not found (Debian package flatbuffers-compiler; tools/setup.sh installs it)');
  process.exit(1);
}
if (!/^flatc version 2\.0\./.test(version)) {
  console.error(`gen: need flatc 2.0.x to match the flatbuffers 2.0.7 runtime, found "${version}"`);
  process.exit(1);
}

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
execFileSync('flatc', ['--ts', '-o', outDir, schema], { stdio: 'inherit' });

// flatc 2.0.x output predates TypeScript 5's union enums: an accessor of a bit_flags enum without a
// 0 member returns 0 (`buttons(): InputButtons`), which tsc 5 rejects. The generated files are
// therefore not type-checked themselves (@ts-nocheck); their types still check every use of them.
for (const entry of readdirSync(outDir, { recursive: true, withFileTypes: true })) {
  if (entry.isFile() && entry.name.endsWith('.ts')) {
    const file = join(entry.parentPath ?? entry.path, entry.name);
    writeFileSync(file, `// @ts-nocheck\n${readFileSync(file, 'utf8')}`);
  }
}
writeFileSync(stamp, `${version}\n`);
