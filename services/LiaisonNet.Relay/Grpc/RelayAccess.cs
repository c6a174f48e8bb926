using LiaisonNet.Protos.Relay.V1;
using LiaisonNet.ServiceDefaults.Access;
using LiaisonNet.ServiceDefaults.Security;
using static LiaisonNet.Protos.Relay.V1.RelayService;
using static LiaisonNet.ServiceDefaults.Security.LiaisonRoles;

namespace LiaisonNet.Relay.Grpc;

/// <summary>Who may call each relay RPC. Every call also needs the caller's token to agree with their directory entry.</summary>
public static class RelayAccess
{
    private const string Scope = LiaisonScopes.Relay;
    // Officers and desk staff send, and clients registered as a sender of their agency under a sender entry of the directory.
    private static readonly AccessRule Sends = AccessRule.Require(Scope, Officer, DeskOperator, AccessCallers.Sender).Except(Auditor);
    private static readonly AccessRule Recipient = AccessRule.Require(Scope, AccessCallers.AnyPerson);

    public static AccessRules Rules { get; } = new(RelayService.Descriptor)
    {
        [nameof(RelayServiceBase.SendMessage)] = Sends.Checks("The sender is the token's subject, never a field of the request."),
        [nameof(RelayServiceBase.Forward)] = Sends.Checks("Only a message the caller sent or received; H2 outside the caller's agency only with the originator's grant."),
        [nameof(RelayServiceBase.ListInbox)] = Recipient.Checks("The caller's own inbox only."),
        [nameof(RelayServiceBase.Subscribe)] = Recipient.Checks("The caller's own inbox only."),
        [nameof(RelayServiceBase.Acknowledge)] = Recipient.Checks("A message in the caller's own inbox; with desk_id, a message that reached a desk the caller staffs."),
        [nameof(RelayServiceBase.MarkRead)] = Recipient.Checks("A message in the caller's own inbox."),
        [nameof(RelayServiceBase.Reply)] = Recipient.Checks("A message in the caller's own inbox, as an action recipient; with desk_id, for a desk the caller staffs."),
        [nameof(RelayServiceBase.ListDeskItems)] = Recipient.Checks("A desk the caller staffs: assigned to it, on its roster, or its supervisor."),
        [nameof(RelayServiceBase.GetReceipts)] = AccessRule.Require(Scope, AccessCallers.AnyPerson, AccessCallers.Sender).Checks("A message the caller sent."),
        [nameof(RelayServiceBase.ListSent)] = AccessRule.Require(Scope, AccessCallers.AnyPerson, AccessCallers.Sender).Checks("The caller's own sent messages."),
        [nameof(RelayServiceBase.RequestForwardPermission)] = Sends.Checks("An H2 message the caller received."),
        [nameof(RelayServiceBase.DecideForwardPermission)] = Recipient.Checks("A request about a message the caller sent."),
        [nameof(RelayServiceBase.ListForwardPermissions)] = Recipient.Checks("The originator sees every request; an asker their own."),
    };
}
