using System.Diagnostics;
using System.Text;
using System.Text.Json;
using LiaisonNet.Protos.Relay.V1;
using LiaisonNet.ServiceDefaults.Hosting;
using LiaisonNet.TestKit;
using Xunit;

namespace LiaisonNet.EndToEnd.Tests;

/// <summary>
/// The real <c>liaison</c> process against the running system: sign-in by device code, the directory, messages from a
/// FLASH to a desk through the live watch to the sender's receipts, the audit trail verified offline, administration,
/// and a send whose answer is lost. Every <c>--json</c> output's field names are pinned here.
/// </summary>
// It runs on one storage only: the tool's behaviour is the services', which every other test runs on both.
[Trait("Storage", "Either")]
public sealed class CliTests(SystemFixture fixture) : IClassFixture<SystemFixture>, IDisposable
{
    private static readonly string[] MessageFields =
    [
        "cursor", "messageId", "precedence", "senderId", "senderName", "subject", "body", "sentAt", "acknowledgeBy", "role", "state", "read", "acknowledged",
        "replyCode", "handling", "handlingText", "evaluation", "marking", "caseId", "inReplyTo", "expiresAt", "viaDesk", "forwardedFrom", "acknowledgedBy",
    ];

    private static readonly string[] SentFields = ["messageId", "clientMessageId", "acceptedAt", "duplicate"];

    private readonly string _root = System.IO.Directory.CreateTempSubdirectory("liaison-cli-").FullName;

    private RunningSystem Running => fixture.System;

    private CliTerminal Terminal(string name) => new(Path.Combine(_root, name), Running.Urls.Gateway);

    [Fact]
    public async Task LoginByDeviceCodeApprovedOnTheSignInPageThenWhoamiSearchAndLogout()
    {
        var terminal = Terminal("officer");
        var (exit, output, error) = await terminal.LoginAsync("sattarkhanov", "--json");
        Assert.True(exit == 0, $"login exited with {exit}: {error}");
        // Under --json the code and the QR code go to standard error, and standard output is one JSON document.
        Assert.Contains("and approve the code", error, StringComparison.Ordinal);
        Assert.Equal(["subject", "name", "agency", "country", "roles", "server", "expiresAt"], Names(JsonDocument.Parse(output).RootElement));
        Assert.True(File.Exists(terminal.TokenFile));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(terminal.TokenFile));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(terminal.Config));
        }

        // whoami --json: the field names are the tool's contract.
        var me = await terminal.JsonAsync("whoami");
        Assert.Equal(["subject", "name", "agency", "country", "roles", "server", "expiresAt"], Names(me));
        Assert.Equal("kz-bs-sattarkhanov", me.GetProperty("subject").GetString());
        Assert.Equal("KZ-BS", me.GetProperty("agency").GetString());
        Assert.Contains("officer", me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));

        // The same officer by the Cyrillic name on record and by a romanisation that is on no record.
        foreach (var query in new[] { "Ходжаев", "Khodzhaev" })
        {
            var officers = (await terminal.JsonAsync("search", query)).EnumerateArray().ToList();
            var khodjaev = Assert.Single(officers, o => o.GetProperty("id").GetString() == "uz-cus-khodjaev");
            Assert.Equal(["id", "name", "latinName", "rank", "country", "agency", "posting", "languages", "onDutyAt"], Names(khodjaev));
            Assert.StartsWith("Ходжаев", khodjaev.GetProperty("name").GetString(), StringComparison.Ordinal);
        }

        // The table: Cyrillic names in aligned columns.
        var table = await terminal.RunAsync("search", "Khodzhaev");
        Assert.Equal(0, table.Exit);
        var lines = table.Output.Split('\n').Where(l => l.Contains("uz-cus-khodjaev", StringComparison.Ordinal) || l.TrimStart().StartsWith("id ", StringComparison.Ordinal)).ToList();
        Assert.True(lines.Count == 2, table.Output);
        Assert.Equal(lines[0].IndexOf("name", StringComparison.Ordinal), lines[1].IndexOf("Ходжаев", StringComparison.Ordinal));

        // One officer whole.
        var card = await terminal.JsonAsync("officer", "uz-cus-khodjaev");
        Assert.Equal(["id", "name", "latinName", "nameVariants", "rank", "country", "agency", "agencyName", "posting", "unit", "languages", "specialities", "contacts", "onDutyAt",
            "clearance", "personalPhone", "homeUnit"], Names(card));
        Assert.Equal("", card.GetProperty("personalPhone").GetString());

        // A value the directory refuses: one sentence naming the field, its exit code.
        var tooShort = await terminal.RunAsync("search", "x");
        Assert.Equal(5, tooShort.Exit);
        Assert.Contains("query", tooShort.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", tooShort.Error, StringComparison.Ordinal);

        // Desks: the list, and one desk's roster in its own zone (Kabul, UTC+4:30) and the caller's.
        var afghan = (await terminal.JsonAsync("desks", "--country", "AF")).EnumerateArray().ToList();
        Assert.Contains(afghan, d => d.GetProperty("id").GetString() == "af-bp-sher-khan-desk");
        Assert.All(afghan, d => Assert.Equal("AF", d.GetProperty("country").GetString()));
        Assert.Equal(["id", "name", "agency", "country", "timeZone", "localTime", "onDuty", "backup", "next"], Names(afghan[0]));
        var detail = await terminal.JsonAsync("desk", "af-bp-sher-khan-desk");
        Assert.Equal(["desk", "roster"], Names(detail));
        Assert.Equal("Asia/Kabul", detail.GetProperty("desk").GetProperty("timeZone").GetString());
        var shift = detail.GetProperty("roster").EnumerateArray().First();
        Assert.Equal(["days", "deskTime", "yourTime", "primary", "backup"], Names(shift));
        Assert.NotEqual("", shift.GetProperty("yourTime").GetString());
        Assert.Equal(4, (await terminal.RunAsync("desk", "af-bp-no-such-desk")).Exit);

        terminal.AssertNoTokenPrinted();
        var logout = await terminal.JsonAsync("logout");
        Assert.Equal(["signedOut"], Names(logout));
        Assert.True(logout.GetProperty("signedOut").GetBoolean());
        Assert.False(File.Exists(terminal.TokenFile));
        var afterwards = await terminal.RunAsync("search", "Khodzhaev");
        Assert.Equal(2, afterwards.Exit);
        Assert.Contains("liaison login", afterwards.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFlashToADeskIsWatchedLiveAcknowledgedAnsweredWilcoAndTheSenderSeesTheReceipts()
    {
        var sender = await Terminal("sender").SignedInAsAsync("sattarkhanov");
        // The Nizhny Panj desk is staffed around the clock by Rahimov.
        var duty = await Terminal("duty").SignedInAsAsync("rahimov");

        // The duty officer watches, in a process of its own.
        var (watch, watched, watching) = StartWatch(duty, "--json");
        await watching.WaitAsync(TimeSpan.FromSeconds(30));

        // The subject holds Cyrillic and Perso-Arabic names, which the inbox table must align.
        var subject = $"Ахмад Шах — احمد شاه {Guid.NewGuid():n}";
        var sent = await sender.JsonAsync("send", "--to", "desk:tj-dca-panj-desk", "--precedence", "flash", "--subject", subject, "--handling", "H2",
            "--evaluation", "B2", "--case", "KZ-2026-0042", "--expires", "2h", "Suspected concealed cargo; request inspection on arrival.");
        Assert.Equal(SentFields, Names(sent));
        Assert.False(sent.GetProperty("duplicate").GetBoolean());
        var messageId = sent.GetProperty("messageId").GetString()!;

        var live = JsonDocument.Parse(await watched.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10))).RootElement;
        Assert.Equal(MessageFields, Names(live));
        Assert.Equal(messageId, live.GetProperty("messageId").GetString());
        Assert.Equal("FLASH", live.GetProperty("precedence").GetString());
        Assert.Equal("tj-dca-panj-desk", live.GetProperty("viaDesk").GetString());
        Assert.Equal("B2", live.GetProperty("evaluation").GetString());
        Assert.Equal("H2", live.GetProperty("handling").GetString());
        Assert.Equal("KZ-2026-0042", live.GetProperty("caseId").GetString());
        Assert.Equal("new", live.GetProperty("state").GetString());
        watch.Kill(entireProcessTree: true);
        await watch.WaitForExitAsync();

        // A message sent while nobody watches is shown by the next watch, which resumes from the kept cursor.
        var second = await sender.JsonAsync("send", "--to", "tj-dca-rahimov", "--subject", $"Follow-up {Guid.NewGuid():n}", "Driver's name: see the attached list.");
        var resumed = await duty.RunAsync("inbox", "--watch", "--json", "--count", "1");
        Assert.True(resumed.Exit == 0, resumed.Error);
        var next = Assert.Single(resumed.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(second.GetProperty("messageId").GetString(), JsonDocument.Parse(next).RootElement.GetProperty("messageId").GetString());

        // The inbox: a table with the precedence and the time left to acknowledge, and JSON.
        var table = await duty.RunAsync("inbox", "--open");
        Assert.Equal(0, table.Exit);
        var row = Assert.Single(table.Output.Split('\n'), l => l.Contains(messageId, StringComparison.Ordinal));
        Assert.Contains("FLASH", row, StringComparison.Ordinal);
        Assert.Contains(" in ", row, StringComparison.Ordinal);
        var header = Assert.Single(table.Output.Split('\n'), l => l.TrimStart().StartsWith("id ", StringComparison.Ordinal));
        Assert.Equal(header.IndexOf(" sent ", StringComparison.Ordinal) + 1, System.Text.RegularExpressions.Regex.Match(row, "[0-9]{4}-[0-9]{2}-[0-9]{2} ").Index);
        var inbox = (await duty.JsonAsync("inbox")).EnumerateArray().ToList();
        Assert.Equal(MessageFields, Names(Assert.Single(inbox, m => m.GetProperty("messageId").GetString() == messageId)));

        var read = await duty.JsonAsync("read", messageId);
        Assert.Equal(MessageFields, Names(read));
        Assert.Equal("Suspected concealed cargo; request inspection on arrival.", read.GetProperty("body").GetString());

        var ack = await duty.JsonAsync("ack", messageId);
        Assert.Equal(["messageId", "action", "at", "already"], Names(ack));
        Assert.False(ack.GetProperty("already").GetBoolean());
        Assert.True((await duty.JsonAsync("ack", messageId)).GetProperty("already").GetBoolean());
        var wilco = await duty.JsonAsync("reply", messageId, "WILCO");
        Assert.Equal("WILCO", wilco.GetProperty("action").GetString());
        Assert.Equal(5, (await duty.RunAsync("reply", messageId, "MAYBE")).Exit);

        var receipts = (await sender.JsonAsync("receipts", messageId)).EnumerateArray().ToList();
        var receipt = Assert.Single(receipts, r => r.GetProperty("recipientId").GetString() == "tj-dca-rahimov");
        Assert.Equal(["recipientId", "role", "viaDesk", "acceptedAt", "deliveredAt", "readAt", "acknowledgedAt", "acknowledgedBy", "replyCode", "replyReason", "repliedAt"], Names(receipt));
        Assert.Equal("WILCO", receipt.GetProperty("replyCode").GetString());
        Assert.NotEqual(JsonValueKind.Null, receipt.GetProperty("acknowledgedAt").ValueKind);
        Assert.NotEqual(JsonValueKind.Null, receipt.GetProperty("readAt").ValueKind);
        var sentList = (await sender.JsonAsync("sent", "--limit", "5")).EnumerateArray().ToList();
        Assert.Equal(["messageId", "precedence", "subject", "sentAt", "acknowledgeBy", "handling", "caseId", "receipts"], Names(sentList[0]));
        Assert.Contains(sentList, s => s.GetProperty("messageId").GetString() == messageId);

        // H2: no forwarding without the originator's permission; asked, granted, then forwarded.
        var refused = await duty.RunAsync("forward", messageId, "--to", "kg-bs-asanov");
        Assert.NotEqual(0, refused.Exit);
        Assert.Single(refused.Error.Trim().Split('\n'));
        var asked = await duty.JsonAsync("permissions", "request", messageId, "--to", "kg-bs-asanov", "--reason", "The same vehicle was seen at Dostuk");
        Assert.Equal(["id", "messageId", "requestedBy", "recipients", "reason", "status", "decidedBy", "decisionReason", "requestedAt", "decidedAt"], Names(asked));
        Assert.Equal("pending", asked.GetProperty("status").GetString());
        var pending = (await sender.JsonAsync("permissions", "list", messageId)).EnumerateArray().ToList();
        Assert.Equal(asked.GetProperty("id").GetString(), Assert.Single(pending).GetProperty("id").GetString());
        var granted = await sender.JsonAsync("permissions", "grant", asked.GetProperty("id").GetString()!, "--reason", "Yes, Dostuk must know");
        Assert.Equal("granted", granted.GetProperty("status").GetString());
        var forwarded = await duty.JsonAsync("forward", messageId, "--to", "kg-bs-asanov", "--note", "Seen at Dostuk?");
        Assert.Equal(SentFields, Names(forwarded));

        sender.AssertNoTokenPrinted();
        duty.AssertNoTokenPrinted();
    }

    [Fact]
    public async Task AnAuditorExportsATrailThatVerifiesOfflineAndTheSameBundleWithOneByteChangedFails()
    {
        var sender = await Terminal("sender").SignedInAsAsync("sattarkhanov");
        var caseId = $"KZ-2026-{Guid.NewGuid():n}"[..20];
        var sent = await sender.JsonAsync("send", "--to", "uz-cus-khodjaev", "--precedence", "immediate", "--case", caseId, "--subject", $"Audit me {Guid.NewGuid():n}", "Text.");
        var messageId = sent.GetProperty("messageId").GetString()!;
        var auditor = await Terminal("auditor").SignedInAsAsync("omarova");

        // The trail reaches the audit log through the relay's outbox shortly after the send.
        List<JsonElement> trail = [];
        var deadline = Stopwatch.StartNew();
        while (trail.All(e => e.GetProperty("action").GetString() != "message.sent") && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            trail = [.. (await auditor.JsonAsync("audit", "trail", "--message", messageId, "--from", "1d")).EnumerateArray()];
        }

        var sentEntry = Assert.Single(trail, e => e.GetProperty("action").GetString() == "message.sent");
        Assert.Equal(["index", "occurredAt", "actor", "action", "objectType", "objectId", "agencies", "related", "source", "leafHash"], Names(sentEntry));
        Assert.Equal("kz-bs-sattarkhanov", sentEntry.GetProperty("actor").GetString());
        Assert.Equal(5, (await auditor.RunAsync("audit", "trail", "--message", messageId, "--case", "KZ-1")).Exit);

        // The same entry by its case, and by its sender within the last hour.
        Assert.Contains((await auditor.JsonAsync("audit", "trail", "--case", caseId)).EnumerateArray(), e => e.GetProperty("index").GetInt64() == sentEntry.GetProperty("index").GetInt64());
        Assert.Contains((await auditor.JsonAsync("audit", "trail", "--officer", "kz-bs-sattarkhanov", "--from", "1h", "--limit", "100000")).EnumerateArray(),
            e => e.GetProperty("index").GetInt64() == sentEntry.GetProperty("index").GetInt64());

        var keyFile = Path.Combine(_root, "audit-key.pem");
        var key = await auditor.JsonAsync("audit", "key", "-o", keyFile);
        Assert.Equal(["keyId", "computedKeyId", "pem"], Names(key));
        Assert.Equal(key.GetProperty("keyId").GetString(), key.GetProperty("computedKeyId").GetString());
        var checkpoint = await auditor.JsonAsync("audit", "checkpoint");
        Assert.Equal(["treeSize", "rootHash", "issuedAt", "keyId", "file"], Names(checkpoint));

        var bundleFile = Path.Combine(_root, "trail.bundle");
        var exported = await auditor.JsonAsync("audit", "export", messageId, "-o", bundleFile);
        Assert.Equal(["file", "objectId", "entries", "treeSize", "keyId", "sha256"], Names(exported));
        Assert.True(exported.GetProperty("entries").GetInt32() >= 1);

        // Offline: another profile, never signed in, no server at all.
        var offline = new CliTerminal(Path.Combine(_root, "offline"), "http://127.0.0.1:9");
        var verified = await offline.JsonAsync("audit", "verify", bundleFile, "--key", keyFile);
        Assert.Equal(["valid", "file", "objectId", "entries", "treeSize", "detail"], Names(verified));
        Assert.True(verified.GetProperty("valid").GetBoolean(), verified.GetProperty("detail").GetString());
        var plain = await offline.RunAsync("audit", "verify", bundleFile, "--key", keyFile);
        Assert.Equal(0, plain.Exit);
        Assert.Contains("verified", plain.Output, StringComparison.Ordinal);

        // One byte of the logged data changed ("message.sent" becomes "message.sant"): the entry named, exit code 10.
        var bytes = await File.ReadAllBytesAsync(bundleFile);
        var at = bytes.AsSpan().IndexOf("message.sent"u8);
        Assert.True(at >= 0);
        bytes[at + "message.s".Length] = (byte)'a';
        var tamperedFile = Path.Combine(_root, "tampered.bundle");
        await File.WriteAllBytesAsync(tamperedFile, bytes);
        var tampered = await offline.RunAsync("audit", "verify", tamperedFile, "--key", keyFile);
        Assert.Equal(10, tampered.Exit);
        Assert.Matches("NOT VERIFIED: Entry [0-9]+: its data does not hash to its leaf hash", tampered.Error);
        Assert.DoesNotContain("   at ", tampered.Error, StringComparison.Ordinal);

        // Another key than the one trusted.
        var otherKey = Path.Combine(_root, "other-key.pem");
        using (var other = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256))
        {
            await File.WriteAllTextAsync(otherKey, other.ExportSubjectPublicKeyInfoPem());
        }

        var wrongKey = await offline.RunAsync("audit", "verify", bundleFile, "--key", otherKey);
        Assert.Equal(10, wrongKey.Exit);
        Assert.Contains("not the one you trust", wrongKey.Error, StringComparison.Ordinal);
        var notABundle = await offline.RunAsync("audit", "verify", keyFile, "--key", keyFile);
        Assert.Equal(10, notABundle.Exit);
        Assert.Contains("not an audit bundle", notABundle.Error, StringComparison.Ordinal);

        // The log grew (the export itself is audited) and still extends the kept checkpoint.
        var consistent = await auditor.JsonAsync("audit", "consistency", "--save");
        Assert.Equal(["valid", "keptSize", "latestSize", "keptRoot", "latestRoot", "detail"], Names(consistent));
        Assert.True(consistent.GetProperty("valid").GetBoolean(), consistent.GetProperty("detail").GetString());
        Assert.True(consistent.GetProperty("latestSize").GetInt64() >= consistent.GetProperty("keptSize").GetInt64());

        // An officer is no auditor.
        Assert.Equal(3, (await sender.RunAsync("audit", "trail", "--message", messageId)).Exit);
        auditor.AssertNoTokenPrinted();
    }

    [Fact]
    public async Task AnImportWithABadRowIsRefusedWithItsLineAndImportsNothingThenTheFixedFileImports()
    {
        var admin = await Terminal("admin").SignedInAsAsync("abenov");
        var suffix = Guid.NewGuid().ToString("n")[..8];
        var good = $"kz-bs-import-{suffix}-a";
        var csv = Path.Combine(_root, "officers.csv");
        await File.WriteAllTextAsync(csv, $"""
            id,native_name,latin_name,rank,posting,languages
            {good},Нурланов Ерлан,Nurlanov Yerlan,Captain,Khorgos,kk:native;ru:fluent
            kz-bs-import-{suffix}-b,"Жумабаев, Марат",,Major,Khorgos,ru:native
            """);
        var refused = await admin.RunAsync("admin", "import", csv, "--json");
        Assert.Equal(5, refused.Exit);
        var result = JsonDocument.Parse(refused.Output).RootElement;
        Assert.Equal(["file", "rows", "created", "updated", "applied", "dryRun", "errors"], Names(result));
        var rowError = Assert.Single(result.GetProperty("errors").EnumerateArray());
        Assert.Equal(["line", "field", "message"], Names(rowError));
        Assert.Equal(3, rowError.GetProperty("line").GetInt32());
        Assert.Equal("latin_name", rowError.GetProperty("field").GetString());
        Assert.Equal(0, result.GetProperty("applied").GetInt32());
        Assert.Contains("line 3", refused.Error, StringComparison.Ordinal);
        Assert.Equal(4, (await admin.RunAsync("officer", good)).Exit);

        // The table names the line too.
        var table = await admin.RunAsync("admin", "import", csv);
        Assert.Equal(5, table.Exit);
        Assert.Contains(table.Output.Split('\n'), l => l.TrimStart().StartsWith("3 ", StringComparison.Ordinal) && l.Contains("latin_name", StringComparison.Ordinal));

        // Fixed: a dry run changes nothing, the import creates both.
        await File.WriteAllTextAsync(csv, (await File.ReadAllTextAsync(csv)).Replace("\",,Major", "\",Zhumabayev Marat,Major", StringComparison.Ordinal));
        var dry = await admin.JsonAsync("admin", "import", csv, "--dry-run");
        Assert.Equal(2, dry.GetProperty("created").GetInt32());
        Assert.Equal(4, (await admin.RunAsync("officer", good)).Exit);
        var imported = await admin.JsonAsync("admin", "import", csv);
        Assert.Equal(2, imported.GetProperty("applied").GetInt32());
        Assert.Equal("Nurlanov Yerlan", (await admin.JsonAsync("officer", good)).GetProperty("latinName").GetString());

        var exportFile = Path.Combine(_root, "export.csv");
        var exported = await admin.JsonAsync("admin", "export", "-o", exportFile);
        Assert.Equal(["file", "rows"], Names(exported));
        Assert.Contains(good, await File.ReadAllTextAsync(exportFile), StringComparison.Ordinal);

        // Accounts: create, disable, enable, set roles, reset the second factor; all within the admin's agency.
        var created = await admin.JsonAsync("admin", "accounts", "create", $"cli{suffix}", "--name", "Нурланов Ерлан", "--id", good, "--roles", "officer");
        Assert.Equal(["account", "initialPassword"], Names(created));
        string[] accountFields = ["id", "userName", "displayName", "country", "agency", "roles", "desks", "disabled", "secondFactor", "lockedOutUntil"];
        Assert.Equal(accountFields, Names(created.GetProperty("account")));
        Assert.True((await admin.JsonAsync("admin", "accounts", "disable", good)).GetProperty("disabled").GetBoolean());
        Assert.False((await admin.JsonAsync("admin", "accounts", "enable", good)).GetProperty("disabled").GetBoolean());
        var roles = await admin.JsonAsync("admin", "accounts", "set-roles", good, "--roles", "officer,desk-operator", "--desks", "kz-bs-khorgos-desk");
        Assert.Equal(["officer", "desk-operator"], roles.GetProperty("roles").EnumerateArray().Select(r => r.GetString()).Order().Reverse());
        Assert.Equal(accountFields, Names(await admin.JsonAsync("admin", "accounts", "reset-2fa", good)));
        var listed = (await admin.JsonAsync("admin", "accounts", "list")).EnumerateArray().ToList();
        Assert.Contains(listed, a => a.GetProperty("id").GetString() == good);
        Assert.All(listed, a => Assert.Equal("KZ-BS", a.GetProperty("agency").GetString()));

        // Another agency's account is out of reach, and an officer is no administrator.
        Assert.NotEqual(0, (await admin.RunAsync("admin", "accounts", "disable", "uz-cus-khodjaev")).Exit);
        var officer = await Terminal("officer").SignedInAsAsync("sattarkhanov");
        Assert.Equal(3, (await officer.RunAsync("admin", "accounts", "list")).Exit);
        Assert.Equal(3, (await officer.RunAsync("admin", "import", csv)).Exit);
        admin.AssertNoTokenPrinted();
    }

    [Fact]
    public async Task ASendWhoseAnswerIsLostWhileTheRelayIsStoppedIsRetriedWithTheSameIdAndStoredOnce()
    {
        var sender = await Terminal("sender").SignedInAsAsync("sattarkhanov");
        await using var network = new CuttingProxy(new Uri(Running.Urls.Relay));
        var cutOff = sender.With(new Dictionary<string, string> { ["LIAISON_RELAY"] = network.Url });

        // The relay stores the message; its answer is lost; the relay stops, and starts again a moment later.
        network.Arm();
        var restarted = network.Cut.ContinueWith(async _ =>
        {
            await Running.StopServiceAsync(ServiceKind.Relay);
            await Running.StartServiceAsync(ServiceKind.Relay);
        }, TaskScheduler.Default).Unwrap();
        var subject = $"Sent once {Guid.NewGuid():n}";
        var send = await cutOff.RunAsync("send", "--to", "uz-cus-khodjaev", "--precedence", "immediate", "--subject", subject, "--json", "Text.");
        await restarted.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(send.Exit == 0, send.Error);
        Assert.Contains("trying again", send.Error, StringComparison.Ordinal);
        var sent = JsonDocument.Parse(send.Output).RootElement;
        Assert.True(sent.GetProperty("duplicate").GetBoolean(), "the retry should have found the message stored");

        using var recipient = await Running.ClientForUserAsync("khodjaev");
        var inbox = await recipient.Relay.ListInboxAsync(new ListInboxRequest { Limit = 200 });
        var all = new List<InboxItem>(inbox.Items);
        while (inbox.Items.Count == 200)
        {
            inbox = await recipient.Relay.ListInboxAsync(new ListInboxRequest { Limit = 200, AfterCursor = inbox.NextCursor });
            all.AddRange(inbox.Items);
        }

        var stored = Assert.Single(all, i => i.Subject == subject);
        Assert.Equal(sent.GetProperty("messageId").GetString(), stored.MessageId);

        // Nothing is left pending: the next send of other content gets an id of its own.
        Assert.DoesNotContain(System.IO.Directory.GetFiles(sender.Config), f => Path.GetFileName(f).StartsWith("pending-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WithoutASignInEveryCommandSaysSoInOneSentence()
    {
        var terminal = Terminal("nobody");
        foreach (var command in new[] { new[] { "whoami" }, ["search", "Ходжаев"], ["search", "Ходжаев", "--json"], ["inbox"], ["send", "--to", "x", "--subject", "y"],
            ["audit", "trail", "--message", "x"], ["admin", "accounts", "list"] })
        {
            var run = await terminal.RunAsync(command);
            Assert.Equal(2, run.Exit);
            Assert.Equal("", run.Output);
            Assert.Single(run.Error.Trim().Split('\n'));
            Assert.Contains("not signed in", run.Error, StringComparison.Ordinal);
        }

        Assert.Equal(1, (await terminal.RunAsync("search")).Exit);
    }

    [Fact]
    public async Task EveryCommandHasHelpWithAnExample()
    {
        var terminal = Terminal("help");
        foreach (var command in new[]
        {
            "login", "logout", "whoami", "search", "officer", "desks", "desk", "send", "inbox", "read", "ack", "reply", "forward", "receipts", "sent",
            "permissions list", "permissions request", "permissions grant", "permissions refuse",
            "audit trail", "audit export", "audit key", "audit verify", "audit checkpoint", "audit consistency",
            "admin import", "admin export", "admin accounts list", "admin accounts create", "admin accounts disable", "admin accounts enable",
            "admin accounts set-roles", "admin accounts reset-2fa",
        })
        {
            var help = await terminal.RunAsync([.. command.Split(' '), "--help"]);
            Assert.Equal(0, help.Exit);
            Assert.Contains("Example: liaison " + command, help.Output, StringComparison.Ordinal);
        }

        var root = await terminal.RunAsync("--help");
        Assert.Contains("Exit codes:", root.Output, StringComparison.Ordinal);
    }

    /// <summary>A process running <c>liaison inbox --watch</c>, its lines as they come, and when it has started watching.</summary>
    private static (Process Process, System.Threading.Channels.Channel<string> Lines, Task Watching) StartWatch(CliTerminal terminal, params string[] more)
    {
        var process = terminal.Start(["inbox", "--watch", .. more]);
        var lines = System.Threading.Channels.Channel.CreateUnbounded<string>();
        var watching = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data is { Length: > 0 } data)
            {
                lines.Writer.TryWrite(data);
            }
        };
        process.ErrorDataReceived += (_, line) =>
        {
            if (line.Data?.StartsWith("Watching", StringComparison.Ordinal) == true)
            {
                watching.TrySetResult();
            }
        };
        process.Exited += (_, _) => watching.TrySetException(new InvalidOperationException("The watch ended before it started watching."));
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return (process, lines, watching.Task);
    }

    private static List<string> Names(JsonElement element) => [.. element.EnumerateObject().Select(p => p.Name)];

    public void Dispose() => System.IO.Directory.Delete(_root, recursive: true);
}
