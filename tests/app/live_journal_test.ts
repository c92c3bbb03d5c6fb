import assert from "node:assert/strict";
import {
  type LiveJournal,
  sessionClientIdPrefix,
  sessionKeyOf,
  unfinishedSession,
} from "../../src/app/session/live_journal.ts";
import { sessionConfig, tempWorkspace } from "./_session_helpers.ts";

Deno.test("a live restart goes on only with its own session's unfinished record", async () => {
  const ws = await tempWorkspace();
  try {
    const live = ["--source", "bitunix", "--execution-mode", "live"];
    const config = sessionConfig(ws, live);
    const record = { run: { ended: false } } as unknown as NonNullable<LiveJournal["session"]>;
    const journal = (prefix: string, ended = false) =>
      ({
        clientIdPrefix: prefix,
        session: { ...record, run: { ended } },
      }) as unknown as LiveJournal;
    const own = sessionClientIdPrefix(sessionKeyOf(config));
    assert.ok(unfinishedSession(journal(own), config), "its own record, killed: goes on");
    assert.equal(unfinishedSession(journal(own, true), config), null, "stopped cleanly: new");
    // another strategy or interval on the same symbol: its record is not this session's
    for (const other of [["--strategy", "breakout"], ["--interval", "5m"]]) {
      const otherConfig = sessionConfig(ws, [...live, ...other]);
      const theirs = sessionClientIdPrefix(sessionKeyOf(otherConfig));
      assert.notEqual(theirs, own);
      assert.equal(unfinishedSession(journal(theirs), config), null, other.join(" "));
    }
  } finally {
    await ws.cleanup();
  }
});
