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
}
