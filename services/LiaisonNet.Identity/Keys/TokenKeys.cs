using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace LiaisonNet.Identity.Keys;

/// <summary>
/// The keys tokens are signed and encrypted with, kept in the identity data folder (owner read/write only), so that
/// tokens issued before a restart stay valid after it.
/// </summary>
public static class TokenKeys
{
    public static RsaSecurityKey LoadOrCreateSigningKey(string folder)
    {
        var path = Path.Combine(folder, "token-signing-key.pem");
        var rsa = RSA.Create();
        if (File.Exists(path))
        {
            rsa.ImportFromPem(File.ReadAllText(path));
        }
        else
        {
            rsa.KeySize = 3072;
            WriteSecret(path, rsa.ExportPkcs8PrivateKeyPem());
        }

        var keyId = Base64UrlEncoder.Encode(SHA256.HashData(rsa.ExportSubjectPublicKeyInfo())[..12]);
        return new RsaSecurityKey(rsa) { KeyId = keyId };
    }

    public static SymmetricSecurityKey LoadOrCreateEncryptionKey(string folder)
    {
        var path = Path.Combine(folder, "token-encryption-key.b64");
        if (!File.Exists(path))
        {
            WriteSecret(path, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        }

        return new SymmetricSecurityKey(Convert.FromBase64String(File.ReadAllText(path).Trim()));
    }

    private static void WriteSecret(string path, string content)
    {
        File.WriteAllText(path, content);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
