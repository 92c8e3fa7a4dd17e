#!/usr/bin/env python3
"""Drives `cometcat mcp` with the official Python MCP SDK (`pip install mcp==2.3.0`), as a
client of another language would: once with the `initialize` handshake, once with the
2026-07-28 revision's `server/discover`. Prints one JSON line for tests/cli/mcp.rs to check.

usage: mcp_sdk.py DB COMMAND [ARGS...]
"""

import asyncio
import json
import sys

from mcp import ClientSession, StdioServerParameters, stdio_client


async def session(era: str, params: StdioServerParameters) -> dict:
    async with stdio_client(params) as (read, write), ClientSession(read, write) as s:
        if era == "legacy":
            negotiated = (await s.initialize()).protocol_version
        else:
            await s.discover()
            negotiated = s.protocol_version
        tools = sorted(t.name for t in (await s.list_tools()).tools)
        found = await s.call_tool("find_models", {"types": ["text"], "sort": "input-price", "limit": 3})
        assert not found.is_error, found
        assert json.loads(found.content[0].text) == found.structured_content, "text and structured content agree"
        bad = await s.call_tool("get_model", {"id": "gpt5"})
        assert bad.is_error and bad.structured_content is None, bad
        return {
            "negotiated": negotiated,
            "tools": tools,
            "models": found.structured_content["models"],
            "error": bad.content[0].text,
        }


async def main(db: str, command: list[str]) -> None:
    # The SDK passes only HOME, PATH and a few more to the child: the catalog goes in `env`.
    params = StdioServerParameters(command=command[0], args=command[1:], env={"COMETCAT_DB": db})
    report = {era: await session(era, params) for era in ("legacy", "modern")}
    print(json.dumps(report))


asyncio.run(main(sys.argv[1], sys.argv[2:]))
