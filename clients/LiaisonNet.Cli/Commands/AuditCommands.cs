using System.CommandLine;
using System.Security.Cryptography;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using LiaisonNet.Cli.Output;
using LiaisonNet.Cli.Session;
using LiaisonNet.Client;
using LiaisonNet.Client.Audit;
using LiaisonNet.Protos.Audit.V1;

namespace LiaisonNet.Cli.Commands;

/// <summary><c>audit trail</c>, <c>export</c>, <c>key</c>, <c>verify</c> (offline), <c>checkpoint</c>, <c>consistency</c>.</summary>
public static class AuditCommands
{
    public static void Add(RootCommand root, CliContext context)
    {
        var audit = new Command("audit", "The audit trail: who sent what to whom and who acted on it, with proofs that nothing was changed.\n  Example: liaison audit trail --message 0193a4c2-...");
        AddTrail(audit, context);
        AddExport(audit, context);
        AddVerify(audit, context);
        AddCheckpoints(audit, context);
        root.Subcommands.Add(audit);
    }

    private static void AddTrail(Command audit, CliContext context)
    {
        var message = new Option<string?>("--message") { Description = "Entries about this message." };
        var caseId = new Option<string?>("--case") { Description = "Entries about this case." };
        var officer = new Option<string?>("--officer") { Description = "Entries by or about this officer." };
        var desk = new Option<string?>("--desk") { Description = "Entries about this desk (messages that reached it, acknowledgements for it)." };
        var agency = new Option<string?>("--agency") { Description = "Entries concerning this agency (an auditor sees their own)." };
        var from = new Option<string?>("--from") { Description = "From this time (a date and time, or 2h, 3d ago)." };
        var to = new Option<string?>("--to") { Description = "Before this time." };
        var limit = new Option<int>("--limit") { Description = "At most this many entries (default 500).", DefaultValueFactory = _ => 500 };
        var trail = new Command("trail", """
            The audit entries of a message, case, officer or desk, or of an agency, in a time range, oldest first.
              Example: liaison audit trail --case KZ-2026-0042 --from 7d
              Example: liaison audit trail --agency KZ-BS --from 2026-12-01T00:00+05:00 --to 2026-12-02T00:00+05:00
            """) { message, caseId, officer, desk, agency, from, to, limit };
        context.Online(trail, async (parse, printer, connection, cancellation) =>
        {
            var named = new[] { parse.GetValue(message), parse.GetValue(caseId), parse.GetValue(officer), parse.GetValue(desk) is { } d ? $"desk:{d}" : null }
                .Where(v => v is { Length: > 0 }).ToList();
            if (named.Count > 1)
            {
                throw new UsageException("Name one of --message, --case, --officer and --desk; narrow further with --agency, --from and --to.");
            }

            var max = parse.GetValue(limit);
            if (max is < 1 or > 100_000)
            {
                throw new UsageException("--limit: 1 to 100000.");
            }

            var now = DateTimeOffset.UtcNow;
            var request = new ListTrailRequest { ObjectId = named.FirstOrDefault() ?? string.Empty, Agency = parse.GetValue(agency) ?? string.Empty, PageSize = Math.Min(max, 500) };
            if (parse.GetValue(from) is { } since)
            {
                request.From = Timestamp.FromDateTimeOffset(Times.Parse(since, "--from", now, ago: true));
            }

            if (parse.GetValue(to) is { } until)
            {
                request.To = Timestamp.FromDateTimeOffset(Times.Parse(until, "--to", now, ago: true));
            }

            using var client = connection.Client();
            var rows = new List<TrailRow>();
            do
            {
                var page = await client.Audit.ListTrailAsync(request, cancellationToken: cancellation);
                rows.AddRange(page.Entries.Select(TrailRow.Of));
                request.PageToken = page.NextPageToken;
            }
            while (request.PageToken.Length > 0 && rows.Count < max);
            rows = rows.Count > max ? rows[..max] : rows;
            printer.Rows(rows, ["index", "time", "actor", "action", "object", "related"],
                e => [e.Index.ToString(System.Globalization.CultureInfo.InvariantCulture), Times.Local(e.OccurredAt), e.Actor, e.Action, $"{e.ObjectType} {e.ObjectId}", string.Join(", ", e.Related)]);
            return ExitCodes.Ok;
        });
        audit.Subcommands.Add(trail);
    }

    private static void AddExport(Command audit, CliContext context)
    {
        var objectId = new Argument<string>("id") { Description = "A message, case, officer or desk:ID." };
        var output = new Option<string>("-o", "--output") { Description = "The bundle file to write.", Required = true };
        var export = new Command("export", "Export the trail of one object with its proofs, to verify anywhere without the server.\n  Example: liaison audit export 0193a4c2-... -o trail.bundle")
        {
            objectId, output,
        };
        context.Online(export, async (parse, printer, connection, cancellation) =>
        {
            using var client = connection.Client();
            var bundle = await client.Audit.ExportBundleAsync(new ExportBundleRequest { ObjectId = parse.GetValue(objectId) ?? string.Empty },
                deadline: DateTime.UtcNow.AddSeconds(120), cancellationToken: cancellation);
            var file = parse.GetValue(output)!;
            var bytes = bundle.ToByteArray();
            Profile.WritePrivate(file, bytes);
            var written = new ExportedBundle(Path.GetFullPath(file), bundle.ObjectId, bundle.Entries.Count, bundle.Checkpoint?.TreeSize ?? 0, bundle.PublicKey?.KeyId ?? string.Empty,
                Convert.ToHexStringLower(SHA256.HashData(bytes)));
            printer.Record(written, [("exported", $"{written.Entries} entries of {written.ObjectId}"), ("to", written.File), ("checkpoint", $"{written.TreeSize} entries, key {written.KeyId}"),
                ("sha-256", written.Sha256), ("verify with", $"liaison audit verify {file} --key audit-key.pem")]);
            return ExitCodes.Ok;
        });
        audit.Subcommands.Add(export);

        var keyOutput = new Option<string?>("-o", "--output") { Description = "Write the key (PEM) to this file instead of printing it." };
        var key = new Command("key", """
            The audit service's public key (PEM), to keep and to check bundles with. Compare its id with the one your
            agency announced through another channel.
              Example: liaison audit key -o audit-key.pem
            """) { keyOutput };
        context.Online(key, async (parse, printer, connection, cancellation) =>
        {
            using var client = connection.Client();
            var published = await client.Audit.GetPublicKeyAsync(new GetPublicKeyRequest(), cancellationToken: cancellation);
            var pem = PemEncoding.WriteString("PUBLIC KEY", published.Spki.Span);
            var shown = new PublishedKey(published.KeyId, Checkpoint.KeyIdOf(published.Spki.Span), pem);
            if (parse.GetValue(keyOutput) is { } file)
            {
                File.WriteAllText(file, pem + "\n");
                printer.Record(shown with { Pem = string.Empty }, [("key", shown.KeyId), ("written to", Path.GetFullPath(file))]);
            }
            else if (printer.Json)
            {
                printer.Record(shown, []);
            }
            else
            {
                printer.Line(pem);
            }

            return ExitCodes.Ok;
        });
        audit.Subcommands.Add(key);
    }

    private static void AddVerify(Command audit, CliContext context)
    {
        var file = new Argument<string>("file") { Description = "A bundle written by liaison audit export (or downloaded from the page)." };
        var key = new Option<string>("--key") { Description = "The audit service's public key you trust (PEM, from liaison audit key).", Required = true };
        var verify = new Command("verify", """
            Verify an exported bundle offline, with no server: the checkpoint's signature with your key, and every entry
            against its proof. Says exactly what failed. Exit code 10 when the bundle does not verify.
              Example: liaison audit verify trail.bundle --key audit-key.pem
            """) { file, key };
        context.Offline(verify, (parse, printer, _, _) =>
        {
            var path = parse.GetValue(file)!;
            var keyPath = parse.GetValue(key)!;
            var pinned = ReadKey(keyPath);
            if (!File.Exists(path))
            {
                throw new UsageException($"{path} does not exist.", ExitCodes.NotFound);
            }

            AuditBundle bundle;
            try
            {
                bundle = AuditBundle.Parser.ParseFrom(File.ReadAllBytes(path));
            }
            catch (InvalidProtocolBufferException ex)
            {
                return Task.FromResult(Verdict(printer, new BundleVerdict(false, path, string.Empty, 0, 0, $"{path} is not an audit bundle, or it is damaged: it cannot be read ({ex.Message}).")));
            }

            var result = AuditBundleVerifier.Verify(bundle, pinned);
            return Task.FromResult(Verdict(printer, new BundleVerdict(result.Valid, path, bundle.ObjectId, bundle.Entries.Count, result.TreeSize, result.Detail)));
        });
        audit.Subcommands.Add(verify);
    }

    private static int Verdict(Printer printer, BundleVerdict verdict)
    {
        if (printer.Json)
        {
            printer.Record(verdict, []);
        }
        else if (verdict.Valid)
        {
            printer.Record(verdict, [("verified", verdict.File), ("object", verdict.ObjectId), ("", verdict.Detail)]);
        }

        return verdict.Valid ? ExitCodes.Ok : printer.Fail($"NOT VERIFIED: {verdict.Detail}", ExitCodes.NotVerified);
    }

    /// <summary>A public key from a PEM file ("PUBLIC KEY"), or from base64 DER.</summary>
    private static byte[] ReadKey(string path)
    {
        if (!File.Exists(path))
        {
            throw new UsageException($"--key: {path} does not exist (liaison audit key -o {path} saves the service's key).", ExitCodes.NotFound);
        }

        var text = File.ReadAllText(path);
        try
        {
            if (text.Contains("-----BEGIN", StringComparison.Ordinal))
            {
                var pem = PemEncoding.Find(text);
                return Convert.FromBase64String(text[pem.Base64Data]);
            }

            return Convert.FromBase64String(text.Trim());
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            throw new UsageException($"--key: {path} holds no public key (PEM \"PUBLIC KEY\" or base64).");
        }
    }

    private static void AddCheckpoints(Command audit, CliContext context)
    {
        var key = new Option<string?>("--key") { Description = "Check the signature with this key (PEM) rather than the one the service publishes." };
        var checkpoint = new Command("checkpoint", """
            Fetch the latest signed checkpoint of the audit log, check its signature, and keep it locally: later,
            liaison audit consistency proves the log still extends it (nothing before it was rewritten or removed).
              Example: liaison audit checkpoint
            """) { key };
        context.Online(checkpoint, async (parse, printer, connection, cancellation) =>
        {
            using var client = connection.Client();
            var latest = await SignedAsync(client, parse.GetValue(key), cancellation);
            var profile = Profile.ForUser();
            var name = Profile.NameFor("checkpoint", connection.Session.Server);
            profile.WriteBytes(name, latest.ToByteArray());
            var kept = KeptCheckpoint.Of(latest, profile.PathOf(name));
            printer.Record(kept, [("kept", $"checkpoint of {kept.TreeSize} entries"), ("root", kept.RootHash), ("issued", Times.Local(kept.IssuedAt)), ("key", kept.KeyId), ("in", kept.File)]);
            return ExitCodes.Ok;
        });
        audit.Subcommands.Add(checkpoint);

        var consistencyKey = new Option<string?>("--key") { Description = "Check the new checkpoint's signature with this key (PEM)." };
        var save = new Option<bool>("--save") { Description = "Keep the new checkpoint in place of the old once proven." };
        var consistency = new Command("consistency", """
            Prove that the audit log still extends the checkpoint kept by liaison audit checkpoint: the entries it
            signed are all still there, unchanged. Exit code 10 when the proof fails.
              Example: liaison audit consistency --save
            """) { consistencyKey, save };
        context.Online(consistency, async (parse, printer, connection, cancellation) =>
        {
            var profile = Profile.ForUser();
            var name = Profile.NameFor("checkpoint", connection.Session.Server);
            var path = profile.PathOf(name);
            if (!File.Exists(path))
            {
                throw new UsageException("No checkpoint is kept for this server: run liaison audit checkpoint first.", ExitCodes.NotFound);
            }

            var saved = SignedCheckpoint.Parser.ParseFrom(File.ReadAllBytes(path));
            using var client = connection.Client();
            var latest = await SignedAsync(client, parse.GetValue(consistencyKey), cancellation);
            var result = new ConsistencyVerdict(false, saved.TreeSize, latest.TreeSize, Convert.ToHexStringLower(saved.RootHash.Span), Convert.ToHexStringLower(latest.RootHash.Span), string.Empty);
            if (latest.TreeSize < saved.TreeSize)
            {
                result = result with { Detail = $"The log now has {latest.TreeSize} entries, fewer than the {saved.TreeSize} of the kept checkpoint: entries were removed." };
            }
            else if (latest.TreeSize == saved.TreeSize)
            {
                var same = latest.RootHash.Equals(saved.RootHash);
                result = result with
                {
                    Valid = same,
                    Detail = same ? $"The log has the same {saved.TreeSize} entries as the kept checkpoint." : $"The log has {saved.TreeSize} entries, as kept, but a different root: it was rewritten.",
                };
            }
            else
            {
                var proof = await client.Audit.GetConsistencyProofAsync(new GetConsistencyProofRequest { FirstSize = saved.TreeSize, SecondSize = latest.TreeSize }, cancellationToken: cancellation);
                var valid = AuditBundleVerifier.VerifyConsistency(saved, latest, proof);
                result = result with
                {
                    Valid = valid,
                    Detail = valid
                        ? $"The log of {latest.TreeSize} entries extends the kept checkpoint of {saved.TreeSize}: nothing before it was changed."
                        : $"The log of {latest.TreeSize} entries does not extend the kept checkpoint of {saved.TreeSize}: its first {saved.TreeSize} entries were changed.",
                };
            }

            if (result.Valid && parse.GetValue(save))
            {
                profile.WriteBytes(name, latest.ToByteArray());
            }

            if (printer.Json)
            {
                printer.Record(result, []);
            }
            else if (result.Valid)
            {
                printer.Record(result, [("consistent", result.Detail), ("kept root", result.KeptRoot), ("latest root", result.LatestRoot)]);
            }

            return result.Valid ? ExitCodes.Ok : printer.Fail($"NOT CONSISTENT: {result.Detail}", ExitCodes.NotVerified);
        });
        audit.Subcommands.Add(consistency);
    }

    /// <summary>The latest checkpoint, its signature checked with the pinned key or the published key of its id.</summary>
    private static async Task<SignedCheckpoint> SignedAsync(LiaisonClient client, string? keyFile, CancellationToken cancellationToken)
    {
        var latest = await client.Audit.GetCheckpointAsync(new GetCheckpointRequest(), cancellationToken: cancellationToken);
        PublicKey? key;
        if (keyFile is not null)
        {
            key = new PublicKey { Spki = ByteString.CopyFrom(ReadKey(keyFile)) };
            key.KeyId = Checkpoint.KeyIdOf(key.Spki.Span);
        }
        else
        {
            var keys = await client.Audit.ListPublicKeysAsync(new ListPublicKeysRequest(), cancellationToken: cancellationToken);
            key = keys.Keys.FirstOrDefault(k => k.KeyId == latest.KeyId);
        }

        var verified = key is null ? null : AuditLogVerifier.VerifyCheckpoint(latest, key);
        if (verified is not { Valid: true })
        {
            throw new UsageException($"The service's latest checkpoint does not verify: {verified?.Detail ?? $"no published key has the id {latest.KeyId}."}", ExitCodes.NotVerified);
        }

        return latest;
    }
}

public sealed record TrailRow(long Index, DateTimeOffset? OccurredAt, string Actor, string Action, string ObjectType, string ObjectId, IReadOnlyList<string> Agencies,
    IReadOnlyList<string> Related, string Source, string LeafHash)
{
    public static TrailRow Of(LogEntry e)
    {
        var ev = e.Event ?? new AuditEvent();
        return new(e.Index, ev.OccurredAt?.ToDateTimeOffset(), ev.Actor, ev.Action, ev.ObjectType, ev.ObjectId, [.. ev.Agencies], [.. ev.Related], ev.Source,
            Convert.ToHexStringLower(e.LeafHash.Span));
    }
}

public sealed record ExportedBundle(string File, string ObjectId, int Entries, long TreeSize, string KeyId, string Sha256);

public sealed record PublishedKey(string KeyId, string ComputedKeyId, string Pem);

public sealed record BundleVerdict(bool Valid, string File, string ObjectId, int Entries, long TreeSize, string Detail);

public sealed record KeptCheckpoint(long TreeSize, string RootHash, DateTimeOffset? IssuedAt, string KeyId, string File)
{
    public static KeptCheckpoint Of(SignedCheckpoint c, string file) =>
        new(c.TreeSize, Convert.ToHexStringLower(c.RootHash.Span), c.IssuedAt?.ToDateTimeOffset(), c.KeyId, file);
}

public sealed record ConsistencyVerdict(bool Valid, long KeptSize, long LatestSize, string KeptRoot, string LatestRoot, string Detail);
