using Microsoft.AspNetCore.Identity;

namespace LiaisonNet.Identity.Accounts;

/// <summary>A person who signs in: an officer, desk operator, auditor or administrator of one agency.</summary>
public sealed class LiaisonUser : IdentityUser
{
    public string DisplayName { get; set; } = string.Empty;

    /// <summary>ISO 3166-1 alpha-2.</summary>
    public string Country { get; set; } = string.Empty;

    public string Agency { get; set; } = string.Empty;

    /// <summary>A disabled account cannot sign in, and its refresh tokens stop working.</summary>
    public bool IsDisabled { get; set; }

    /// <summary>Desk ids the account staffs, comma-separated.</summary>
    public string Desks { get; set; } = string.Empty;

    public IReadOnlyList<string> DeskList => Desks.Split(',', StringSplitOptions.RemoveEmptyEntries);
}
