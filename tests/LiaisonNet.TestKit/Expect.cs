using Grpc.Core;
using LiaisonNet.Client;
using LiaisonNet.Protos.Audit.V1;
using Xunit;

namespace LiaisonNet.TestKit;

/// <summary>Assertions the service tests share.</summary>
public static class Expect
{
    /// <summary>The call fails with exactly <paramref name="expected"/>; returns the error for further checks.</summary>
    public static async Task<RpcException> StatusAsync(StatusCode expected, Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<RpcException>(call);
        Assert.True(expected == error.StatusCode, $"Expected {expected}, got {error.StatusCode}: {error.Status.Detail}");
        return error;
    }

    /// <summary>
    /// The trail of <paramref name="objectId"/> as <paramref name="auditor"/> sees it, once it holds <paramref name="count"/>
    /// events of <paramref name="action"/> (audit events arrive through outboxes, a moment after the change), or after 20 s.
    /// </summary>
    public static async Task<List<AuditEvent>> TrailAsync(LiaisonClient auditor, string objectId, string action, int count = 1)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var trail = await auditor.Audit.ListTrailAsync(new ListTrailRequest { ObjectId = objectId, PageSize = 500 });
            var events = trail.Entries.Select(e => e.Event).Where(e => e is not null).ToList();
            if (events.Count(e => e.Action == action) >= count || DateTime.UtcNow > deadline)
            {
                return events;
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds, checking every 100 ms; fails naming <paramref name="what"/> when <paramref name="within"/> has passed first.</summary>
    public static async Task UntilAsync(TimeSpan within, Func<Task<bool>> condition, string what) =>
        await WithinAsync(within, async () => await condition() ? new object() : null, what);

    /// <summary>Waits until <paramref name="value"/> gives something, checking every 100 ms, and returns it; fails naming <paramref name="what"/> when <paramref name="within"/> has passed first.</summary>
    public static async Task<T> WithinAsync<T>(TimeSpan within, Func<Task<T?>> value, string what)
        where T : class
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            if (await value() is { } found)
            {
                return found;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Waited {within.TotalSeconds:0} s for {what}, in vain.");
            await Task.Delay(100);
        }
    }

    /// <summary>Waits until the audit service at <paramref name="auditUrl"/> answers its readiness check with <paramref name="expected"/>, for up to 30 s.</summary>
    public static async Task HealthAsync(string auditUrl, string expected)
    {
        using var http = new HttpClient { DefaultRequestVersion = System.Net.HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        string status;
        while ((status = await http.GetStringAsync(new Uri(new Uri(auditUrl), "/health/ready"))) != expected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(300);
        }

        Assert.Equal(expected, status);
    }

    /// <summary>Waits until an audit monitor has saved a verified checkpoint of at least <paramref name="size"/> entries in <paramref name="dataPath"/>, for up to 30 s.</summary>
    public static async Task SavedCheckpointCoversAsync(string dataPath, long size)
    {
        var path = Path.Combine(dataPath, "audit", "last-verified-checkpoint.txt");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var saved = File.Exists(path) ? (await File.ReadAllTextAsync(path)).Split(' ') : [];
            if (saved.Length == 2 && long.TryParse(saved[0], System.Globalization.CultureInfo.InvariantCulture, out var verified) && verified >= size)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"no monitor saved a verified checkpoint of {size} entries within 30 s");
            await Task.Delay(200);
        }
    }
}
