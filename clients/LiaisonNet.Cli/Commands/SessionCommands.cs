using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using LiaisonNet.Cli.Output;
using LiaisonNet.Cli.Session;
using QRCoder;

namespace LiaisonNet.Cli.Commands;

/// <summary><c>login</c>, <c>logout</c>, <c>whoami</c>.</summary>
public static class SessionCommands
{
    public static void Add(RootCommand root, CliContext context)
    {
        var login = new Command("login", "Sign in with a code approved in a browser on any device.\n  Example: liaison login --server https://liaisonnet.example.org");
        context.Offline(login, async (parse, printer, http, cancellation) =>
        {
            var identity = new Identity(http);
            var target = context.ServerOf(parse);
            var endpoints = await identity.DiscoverAsync(target, cancellation);
            var device = await identity.StartDeviceFlowAsync(endpoints.Issuer, cancellation);
            var link = device.VerificationUriComplete ?? device.VerificationUri;
            // The prompt goes to standard error under --json, so that standard output stays one JSON document.
            var prompt = printer.Json ? context.Error : printer.Out;
            prompt.WriteLine($"Open {link}");
            prompt.WriteLine($"and approve the code {device.UserCode} (it expires in {device.ExpiresIn / 60} min). Or scan:");
            using (var data = QRCodeGenerator.GenerateQrCode(link, QRCodeGenerator.ECCLevel.L))
            {
                prompt.WriteLine(new AsciiQRCode(data).GetGraphicSmall());
            }

            prompt.Flush();
            var tokens = await identity.CompleteDeviceFlowAsync(endpoints.Issuer, device, cancellation);
            var session = new StoredSession(target.ToString(), endpoints, tokens.AccessToken, tokens.RefreshToken, DateTimeOffset.UtcNow.AddSeconds(tokens.ExpiresIn));
            var store = TokenStore.ForUser();
            store.Save(session);
            var me = Me.Of(session.AccessToken, target);
            printer.Record(me, [("signed in as", $"{me.Name} ({me.Agency}, {me.Country})"), ("server", me.Server), ("kept in", store.Path)]);
            return ExitCodes.Ok;
        });
        root.Subcommands.Add(login);

        var logout = new Command("logout", "Sign out: the refresh token is revoked and the local sign-in removed.\n  Example: liaison logout");
        context.Offline(logout, async (parse, printer, http, cancellation) =>
        {
            var store = TokenStore.ForUser();
            if (store.Load() is { RefreshToken: { } refresh } stored)
            {
                await new Identity(http).RevokeAsync(stored.Endpoints.Issuer, refresh, cancellation);
            }

            var removed = store.Remove();
            printer.Record(new { signedOut = removed }, [("signed out", removed ? "yes" : "no sign-in was kept")]);
            return ExitCodes.Ok;
        });
        root.Subcommands.Add(logout);

        var whoami = new Command("whoami", "Who the tool acts as, for which agency, and until when.\n  Example: liaison whoami --json");
        context.Online(whoami, async (parse, printer, connection, cancellation) =>
        {
            var me = Me.Of(await connection.GetAccessTokenAsync(cancellation), context.ServerOf(parse));
            printer.Record(me, [("user", me.Subject), ("name", me.Name), ("agency", $"{me.Agency} ({me.Country})"), ("roles", string.Join(", ", me.Roles)),
                ("server", me.Server), ("token until", Times.Local(me.ExpiresAt))]);
            return ExitCodes.Ok;
        });
        root.Subcommands.Add(whoami);
    }
}

/// <summary>The signed-in user, from the access token (<c>whoami</c>, <c>login</c>).</summary>
public sealed record Me(string Subject, string Name, string Agency, string Country, IReadOnlyList<string> Roles, string Server, DateTimeOffset ExpiresAt)
{
    /// <summary>Reads the token's claims (the tool does not verify the token: the services do, on every call).</summary>
    public static Me Of(string accessToken, Uri server)
    {
        var parts = accessToken.Split('.');
        if (parts.Length != 3)
        {
            throw new SignInException("The kept sign-in holds no readable token: run liaison login.");
        }

        var payload = parts[1].Replace('-', '+').Replace('_', '/');
        payload = payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=');
        using var claims = JsonDocument.Parse(Convert.FromBase64String(payload));
        var root = claims.RootElement;
        string Claim(string name) => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : string.Empty;
        var roles = root.TryGetProperty("role", out var role)
            ? role.ValueKind == JsonValueKind.Array ? [.. role.EnumerateArray().Select(r => r.GetString() ?? string.Empty)] : new List<string> { role.GetString() ?? string.Empty }
            : [];
        var expires = root.TryGetProperty("exp", out var exp) && exp.TryGetInt64(out var seconds) ? DateTimeOffset.FromUnixTimeSeconds(seconds) : DateTimeOffset.MinValue;
        return new Me(Claim("sub"), Claim("name"), Claim("agency"), Claim("country"), roles, server.ToString(), expires);
    }
}

/// <summary>Times as the tables show them: in the user's own time zone.</summary>
public static class Times
{
    public static string Local(DateTimeOffset? at) =>
        at is { } value ? value.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture) : string.Empty;

    public static string Brief(DateTimeOffset? at) =>
        at is { } value ? value.ToLocalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : string.Empty;

    /// <summary>"in 4m 10s", "overdue 2h 5m": how long until (or since) a deadline.</summary>
    public static string Countdown(DateTimeOffset? deadline, DateTimeOffset now)
    {
        if (deadline is not { } due)
        {
            return string.Empty;
        }

        var left = due - now;
        var span = left.Duration();
        var text = span.TotalDays >= 1 ? $"{(int)span.TotalDays}d {span.Hours}h"
            : span.TotalHours >= 1 ? $"{(int)span.TotalHours}h {span.Minutes}m"
            : $"{span.Minutes}m {span.Seconds:00}s";
        return left >= TimeSpan.Zero ? $"in {text}" : $"overdue {text}";
    }

    /// <summary>An instant as given on the command line: ISO 8601 (<c>2026-12-01T18:00+05:00</c>), or a time from now (<c>30m</c>, <c>2h</c>, <c>3d</c>).</summary>
    public static DateTimeOffset Parse(string text, string option, DateTimeOffset now, bool ago = false)
    {
        var trimmed = text.Trim();
        if (trimmed.Length >= 2 && char.IsDigit(trimmed[0]) && "mhd".Contains(trimmed[^1], StringComparison.Ordinal)
            && int.TryParse(trimmed[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var amount) && amount <= 10_000)
        {
            var span = trimmed[^1] switch { 'm' => TimeSpan.FromMinutes(amount), 'h' => TimeSpan.FromHours(amount), _ => TimeSpan.FromDays(amount) };
            return ago ? now - span : now + span;
        }

        if (DateTimeOffset.TryParse(trimmed, CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var at))
        {
            return at;
        }

        throw new UsageException($"{option}: '{text}' is neither a date and time (2026-12-01T18:00+05:00) nor a span like 30m, 2h or 3d.");
    }
}
