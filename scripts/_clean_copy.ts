/**
 * A scratch copy of the repository as a clone would have it: the files git tracks plus the
 * untracked ones it does not ignore (what the next commit can hold), as they are in the
 * working tree, and nothing else: no `.git`, no caches, no run folders, nothing beside it.
 */

/** The repository's files (relative paths), or null when `root` is not a git work tree. */
export async function repositoryFiles(root: string): Promise<string[] | null> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command("git", {
      args: ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
      cwd: root,
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch {
    return null; // no git
  }
  if (!out.success) return null;
  const names = new TextDecoder().decode(out.stdout).split("\0").filter((n) => n !== "");
  return [...new Set(names)].sort();
}

/**
 * Copies the repository at `root` into the folder `dest` (created; must not exist yet):
 * every file of `repositoryFiles` that exists in the working tree (a deleted one is left
 * out; a submodule too), symbolic links as links, modes kept. Returns the number of files copied, or null
 * when `root` is not a git work tree.
 */
export async function copyRepository(root: string, dest: string): Promise<number | null> {
  const files = await repositoryFiles(root);
  if (files === null) return null;
  await Deno.mkdir(dest);
  let copied = 0;
  for (const name of files) {
    const from = `${root}/${name}`;
    const to = `${dest}/${name}`;
    let info: Deno.FileInfo;
    try {
      info = await Deno.lstat(from);
    } catch {
      continue; // tracked but deleted in the working tree
    }
    if (info.isDirectory) continue; // a submodule: not part of this repository's files
    const slash = name.lastIndexOf("/");
    if (slash > 0) await Deno.mkdir(`${dest}/${name.slice(0, slash)}`, { recursive: true });
    if (info.isSymlink) await Deno.symlink(await Deno.readLink(from), to);
    else await Deno.copyFile(from, to);
    copied++;
  }
  return copied;
}
