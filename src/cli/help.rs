//! The long help texts that installed binaries carry (they have no README):
//! the workload file's format, what `usage` reads, and how an MCP client
//! starts `cometcat mcp`.

/// The workload file's format, for `estimate --help` (installed binaries have no README).
pub const WORKLOAD_FORMAT: &str = "\
The workload file (TOML) lists what an application runs in a period, one [[item]] per use:

    [[item]]
    name = \"summarize-tickets\"     # unique in the file
    model = \"gpt-5-mini\"           # model id or code
    requests = 30000               # calls in the period (default 1)
    input_tokens = 1200            # per call (default 0)
    output_tokens = 350            # per call (default 0)

    [[item]]
    name = \"product-videos\"
    model = \"veo3-fast\"            # priced per second
    requests = 40
    seconds = 8                    # per call; required for models priced per second

Counts are whole numbers, 0 or more, or in quotes as the flags take them (\"1.2M\", \"200K\");
seconds may have decimals. Any other key, a duplicate
name or an empty model is an error naming the file, line and field (exit 1). A field the model
does not price (seconds on a model priced per token) is reported and not used.

Exit codes: 0 within budget and policy; 1 a malformed file or another error; 3 over --budget or
--max-increase; 4 an unknown or unpriced model (unless --allow-unpriced), or a catalog older than
--max-catalog-age. When both 3 and 4 apply, the exit is 4.";

/// What `usage` reads, for `usage --help` (installed binaries have no README).
pub const USAGE_INPUT: &str = "\
Each file may be a JSON document (one response, or an array of them), JSON Lines (one response
or log line per line) or an event stream (data: lines); the kind is told from the content, and
a file of lines may mix the two. A line, array element or document that is a whole response is
one record; a stream is one record. A log line stands for the calls it says:

    OpenAI chat         {\"object\":\"chat.completion\",\"model\":\"gpt-5-mini\",\"created\":1757839279,
                         \"choices\":[...],\"usage\":{\"prompt_tokens\":1843,\"completion_tokens\":880}}
    OpenAI chat stream  data: {\"object\":\"chat.completion.chunk\",...,\"usage\":{...}}
                        ... data: [DONE]
    legacy completion   {\"object\":\"text_completion\",\"model\":\"gpt-3.5-turbo-instruct\",
                         \"usage\":{\"prompt_tokens\":14,\"completion_tokens\":16}}
    OpenAI Responses    {\"object\":\"response\",\"model\":\"gpt-5\",
                         \"usage\":{\"input_tokens\":2540,\"output_tokens\":941}}
    Responses stream    event: response.completed
                        data: {\"type\":\"response.completed\",\"response\":{...}}
    embeddings          {\"object\":\"list\",\"model\":\"text-embedding-3-small\",
                         \"usage\":{\"prompt_tokens\":27}}
    Anthropic           {\"type\":\"message\",\"model\":\"claude-sonnet-4-5\",
                         \"usage\":{\"input_tokens\":86,\"output_tokens\":52}}
    Anthropic stream    event: message_start ... message_delta (usage) ... message_stop
    Gemini (and stream) {\"candidates\":[...],\"usageMetadata\":{...},
                         \"modelVersion\":\"gemini-2.5-flash\"}
    image generation    {\"created\":1757839279,\"data\":[...],\"model\":\"dall-e-3\"}
    video task          {\"object\":\"video\",\"model\":\"sora-2\",\"seconds\":\"8\"}
    transcription       {\"text\":\"...\",\"usage\":{\"type\":\"duration\",\"seconds\":42},
                         \"model\":\"whisper-1\"}
    OpenAI org usage    {\"object\":\"page\",\"data\":[{\"start_time\":1759276800,\"results\":[
                         {\"object\":\"organization.usage.completions.result\",...}]}]}
    log line            {\"model\":\"gpt-5\",\"input_tokens\":12000,\"output_tokens\":3000,
                         \"requests\":10,\"time\":\"2026-09-14T08:41:19Z\"}
                        (its counts are the totals of its 10 calls: requests multiplies
                         only the price per call)
    envelope            {\"response\":<any of the above>,\"model\":\"dall-e-3\",
                         \"time\":\"2026-09-14T08:41:19Z\",\"tags\":{\"team\":\"search\"}}

Billing: input and output tokens at the model's effective prices. OpenAI's and Gemini's cached
and reasoning tokens are already inside their counts and are not added again (xAI's reasoning,
outside completion_tokens by total_tokens, is added); Anthropic's cache tokens are outside
input_tokens and are added to it; Gemini's thoughts are billed as output. Cached tokens are
billed at the input price (the catalog lists no cache price). A stated charge (usage.cost,
cost_in_usd_ticks) is reported beside the catalog's cost, with the difference.

Error bodies and events ({\"error\":...}, type \"error\", a failed stream) are counted under
errors, by kind: they are not records, not unreadable, and change no exit code.

A record's model is matched to the catalog by exact id, exact code, id or code ignoring case,
without a models/ prefix, without a trailing date (-2024-08-06, -20250929), or by --alias;
never by likeness. A model not in the catalog is unknown, one without the price a record needs
(output tokens on a model that prices only input tokens, say) is unpriced: neither is ever
counted as $0.

Exit codes: 0 ok; 1 an unreadable line (unless --skip-unreadable), a file that cannot be
read, or another error; 3 over --budget or --max-increase; 4 an unknown or unpriced record
(unless --allow-unpriced). 4 wins over 3, and both over 1.";

/// How an MCP client is told to start `cometcat mcp`, for `mcp --help`.
pub const MCP_SETUP: &str = "\
An MCP client starts `cometcat mcp` itself and talks to it over stdin/stdout (JSON-RPC, one
message per line); stdin closing stops it. stdout carries protocol messages only; notes go to
stderr. Nothing is written to the catalog: a sync while it runs is seen at the next call.

Claude Code:
    claude mcp add cometcat -- cometcat mcp

Claude Desktop, Cursor and others (an `mcpServers` entry in their JSON settings; VS Code takes
    the same entry under `servers` in .vscode/mcp.json):
    {\"mcpServers\": {\"cometcat\": {\"command\": \"cometcat\", \"args\": [\"mcp\"]}}}
    (add \"env\": {\"COMETCAT_DB\": \"/path/to/catalog.db\"} for a catalog elsewhere)

Tools: find_models, get_model, rank_models, estimate_cost, price_usage, catalog_changes.
Listings hold at most `limit` entries (default 50, at most 500) and say when more matched.";
