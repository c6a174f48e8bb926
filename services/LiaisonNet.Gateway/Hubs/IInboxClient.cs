using LiaisonNet.Gateway.Api;

namespace LiaisonNet.Gateway.Hubs;

/// <summary>What the gateway pushes to a browser or other SignalR client.</summary>
public interface IInboxClient
{
    /// <summary>An inbox item, in cursor order, exactly once per subscription.</summary>
    Task MessageReceived(InboxItemDto item);
}
