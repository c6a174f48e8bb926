using Grpc.Core;
using LiaisonNet.Protos.Directory.V1;
using LiaisonNet.ServiceDefaults.Grpc;

namespace LiaisonNet.Identity.Admin;

/// <summary>What the directory says about an id an administrator wants to use: whose officer or desk it is.</summary>
public sealed class DirectoryEntries(DirectoryService.DirectoryServiceClient directory)
{
    /// <summary>The agency of the officer with this id; null when the directory has none.</summary>
    public async Task<string?> OfficerAgencyAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            return (await directory.GetOfficerAsync(new GetOfficerRequest { Id = id }, cancellationToken: cancellationToken)).Summary.Agency;
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            return null;
        }
        catch (RpcException ex)
        {
            throw Unavailable(ex);
        }
    }

    /// <summary>The agency of the desk with this id; null when the directory has none.</summary>
    public async Task<string?> DeskAgencyAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            return (await directory.GetDeskAsync(new GetDeskRequest { Id = id }, cancellationToken: cancellationToken)).Agency;
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            return null;
        }
        catch (RpcException ex)
        {
            throw Unavailable(ex);
        }
    }

    // Fails closed: without the directory's word, no account is bound to anything.
    private static RpcException Unavailable(RpcException ex) =>
        new(new Status(StatusCode.Unavailable, $"The directory cannot confirm the entry right now ({ex.StatusCode}); nothing was changed. Try again shortly."));
}
