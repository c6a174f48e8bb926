using Grpc.Core;
using LiaisonNet.Protos.Directory.V1;
using LiaisonNet.Protos.Relay.V1;
using LiaisonNet.Relay.Storage;
using LiaisonNet.ServiceDefaults.Grpc;
using Microsoft.Extensions.Caching.Memory;

namespace LiaisonNet.Relay.Recipients;

/// <summary>Where a directory officer belongs.</summary>
public sealed record OfficerHome(string Agency, string Country);

/// <summary>
/// Checks that every recipient is an officer the directory knows, and learns their agency (the audit trail's scope).
/// A recipient written "desk:ID" is the desk's primary on duty now (or, with nobody rostered, its supervisor); an
/// action message to a desk escalates along its roster when nobody acknowledges it in time.
/// If the directory cannot answer, the send fails: the relay never guesses who a recipient is.
/// </summary>
public sealed class RecipientResolver(DirectoryService.DirectoryServiceClient directory, IMemoryCache cache)
{
    public const string DeskPrefix = "desk:";
    public const string ListPrefix = "list:";
    private static readonly TimeSpan CacheFor = TimeSpan.FromMinutes(5);
    private readonly SharedLookups<Desk?> _desks = new();
    private readonly SharedLookups<OfficerHome?> _officers = new();
    private readonly SharedLookups<SenderEntry?> _senders = new();

    /// <summary>A desk as it stands now: who is on duty, who supervises, where it escalates to (never cached: duty changes).</summary>
    public Task<Desk?> DeskAsync(string deskId, CancellationToken cancellationToken) =>
        _desks.GetAsync(deskId, async () =>
        {
            try
            {
                return await directory.GetDeskAsync(new GetDeskRequest { Id = deskId });
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
            {
                return null;
            }
        }, cancellationToken);

    public async Task<IReadOnlyList<Recipient>> ResolveAsync(SendMessageRequest request, CancellationToken cancellationToken)
    {
        var wanted = request.ActionRecipients.Select((id, i) => (id, RecipientRole.Action, $"action_recipients[{i}]"))
            .Concat(request.InfoRecipients.Select((id, i) => (id, RecipientRole.Information, $"info_recipients[{i}]")));
        var violations = new FieldViolations();
        var recipients = new List<Recipient>();
        var expanded = new List<(string Id, RecipientRole Role, string Field)>();
        foreach (var (id, role, field) in wanted)
        {
            if (!id.StartsWith(ListPrefix, StringComparison.Ordinal))
            {
                expanded.Add((id, role, field));
                continue;
            }

            // A distribution list reaches each of its desks as if named one by one.
            try
            {
                var list = await directory.GetDistributionListAsync(new GetDistributionListRequest { Id = id[ListPrefix.Length..] }, cancellationToken: cancellationToken);
                expanded.AddRange(list.Desks.Select(desk => (DeskPrefix + desk, role, field)));
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
            {
                violations.Add(field, $"No distribution list {RpcErrors.Quote(id[ListPrefix.Length..])} in the directory.");
            }
        }

        foreach (var (id, role, field) in expanded)
        {
            if (id.StartsWith(DeskPrefix, StringComparison.Ordinal))
            {
                var desk = await DeskOrUnavailableAsync(id[DeskPrefix.Length..], cancellationToken);
                var first = desk?.OnDuty?.Primary?.Id is { Length: > 0 } primary ? primary : desk?.Supervisor;
                if (desk is null || string.IsNullOrEmpty(first))
                {
                    violations.Add(field, desk is null ? $"No desk {RpcErrors.Quote(id[DeskPrefix.Length..])} in the directory." : $"Nobody is on duty at {RpcErrors.Quote(desk.Id)} and it has no supervisor.");
                    continue;
                }

                var firstAgency = await AgencyOfAsync(first, cancellationToken) ?? desk.Agency;
                if (recipients.All(r => r.Id != first))
                {
                    recipients.Add(new Recipient(first, role, firstAgency, role == RecipientRole.Action ? desk.Id : null));
                }

                continue;
            }

            var agency = await AgencyOfAsync(id, cancellationToken);
            if (agency is null)
            {
                violations.Add(field, $"No officer {RpcErrors.Quote(id)} in the directory.");
            }
            else
            {
                recipients.Add(new Recipient(id, role, agency));
            }
        }

        violations.ThrowIfAny();
        return recipients;
    }

    private async Task<Desk?> DeskOrUnavailableAsync(string deskId, CancellationToken cancellationToken)
    {
        try
        {
            return await DeskAsync(deskId, cancellationToken);
        }
        catch (RpcException ex)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"The directory cannot say who staffs desk {RpcErrors.Quote(deskId)} right now ({ex.StatusCode}); nothing was sent. Retry with the same client_message_id."));
        }
    }

    /// <summary>The directory's entry of an automated sender (remembered for a few minutes); null when there is none.</summary>
    public async Task<SenderEntry?> SenderAsync(string clientId, CancellationToken cancellationToken)
    {
        if (cache.TryGetValue<SenderEntry>($"sender:{clientId}", out var sender))
        {
            return sender;
        }

        return await _senders.GetAsync(clientId, async () =>
        {
            try
            {
                return cache.Set($"sender:{clientId}", await directory.GetSenderAsync(new GetSenderRequest { Id = clientId }), CacheFor);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
            {
                return null;
            }
            catch (RpcException ex)
            {
                throw new RpcException(new Status(StatusCode.Unavailable, $"The directory cannot confirm the sender right now ({ex.StatusCode}); nothing was sent. Retry with the same client_message_id."));
            }
        }, cancellationToken);
    }

    /// <summary>Fails with a field violation per id that is no officer of the directory.</summary>
    public async Task ConfirmOfficersAsync(IReadOnlyList<string> ids, string field, CancellationToken cancellationToken)
    {
        var violations = new FieldViolations();
        for (var i = 0; i < ids.Count; i++)
        {
            violations.Require(await AgencyOfAsync(ids[i], cancellationToken) is not null, $"{field}[{i}]", $"No officer {RpcErrors.Quote(ids[i])} in the directory.");
        }

        violations.ThrowIfAny();
    }

    public async Task<string?> AgencyOfAsync(string officerId, CancellationToken cancellationToken) =>
        (await HomeOfAsync(officerId, cancellationToken))?.Agency;

    /// <summary>The agency and country of a directory officer (remembered for a few minutes); null when there is none.</summary>
    public async Task<OfficerHome?> HomeOfAsync(string officerId, CancellationToken cancellationToken)
    {
        if (cache.TryGetValue<OfficerHome>(officerId, out var home))
        {
            return home;
        }

        return await _officers.GetAsync(officerId, async () =>
        {
            try
            {
                var officer = await directory.GetOfficerAsync(new GetOfficerRequest { Id = officerId });
                return cache.Set(officerId, new OfficerHome(officer.Summary.Agency, officer.Summary.Country), CacheFor);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
            {
                return null;
            }
            catch (RpcException ex)
            {
                throw new RpcException(new Status(StatusCode.Unavailable, $"The directory cannot confirm the recipients right now ({ex.StatusCode}); nothing was sent. Retry with the same client_message_id."));
            }
        }, cancellationToken);
    }
}
