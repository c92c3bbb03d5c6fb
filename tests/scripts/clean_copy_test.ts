import assert from "node:assert/strict";
import { copyRepository, repositoryFiles } from "../../scripts/_clean_copy.ts";

const hasGit = await new Deno.Command("git", {
  args: ["--version"],
  stdout: "null",
  stderr: "null",
})
  .output().then((o) => o.success, () => false);

async function git(cwd: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command("git", { args, cwd, stdout: "null", stderr: "piped" })
    .output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
}

Deno.test({
  name: "clean copy: tracked and unignored files as in the working tree, nothing else",
  ignore: !hasGit,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const repo = `${dir}/repo`;
      await Deno.mkdir(`${repo}/src/deep`, { recursive: true });
      await Deno.mkdir(`${repo}/runs`);
      await git(repo, "init", "-q");
      const files: Record<string, string> = {
        ".gitignore": "runs/\n*.log\n",
        "a.txt": "committed",
        "src/deep/b.ts": "export {};\n",
        "run.sh": "#!/bin/sh\n",
        "gone.txt": "deleted later",
      };
      for (const [name, text] of Object.entries(files)) {
        await Deno.writeTextFile(`${repo}/${name}`, text);
      }
      await Deno.chmod(`${repo}/run.sh`, 0o755);
      await Deno.symlink("a.txt", `${repo}/link`);
      await git(repo, "add", ".");
      await Deno.writeTextFile(`${repo}/a.txt`, "edited, not committed");
      await Deno.remove(`${repo}/gone.txt`);
      await Deno.writeTextFile(`${repo}/new.ts`, "untracked");
      await Deno.writeTextFile(`${repo}/runs/x.json`, "ignored");
      await Deno.writeTextFile(`${repo}/debug.log`, "ignored");

      const copy = `${dir}/copy`;
      assert.equal(await copyRepository(repo, copy), 6);
      const found: string[] = [];
      const walk = async (d: string, rel: string) => {
        for await (const e of Deno.readDir(d)) {
          if (e.isDirectory) await walk(`${d}/${e.name}`, `${rel}${e.name}/`);
          else found.push(rel + e.name);
        }
      };
      await walk(copy, "");
      assert.deepEqual(found.sort(), [
        ".gitignore",
        "a.txt",
        "link",
        "new.ts",
        "run.sh",
        "src/deep/b.ts",
      ]);
      assert.equal(await Deno.readTextFile(`${copy}/a.txt`), "edited, not committed");
      assert.equal(await Deno.readLink(`${copy}/link`), "a.txt");
      assert.equal((await Deno.stat(`${copy}/run.sh`)).mode! & 0o777, 0o755);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("clean copy: null outside a git work tree", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.equal(await repositoryFiles(dir), null);
    assert.equal(await copyRepository(dir, `${dir}/copy`), null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
