using System.ComponentModel.DataAnnotations;

namespace LiaisonNet.ServiceDefaults.Security;

/// <summary>The credentials a service uses to obtain its own tokens (client credentials), section "{Service}:ServiceClient".</summary>
public sealed class ServiceClientOptions
{
    [Required]
    public string ClientId { get; set; } = string.Empty;

    [Required]
    public string ClientSecret { get; set; } = string.Empty;
}
