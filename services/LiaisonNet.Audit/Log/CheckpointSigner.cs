using System.Security.Cryptography;
using System.Text;
using LiaisonNet.Client.Audit;
using LiaisonNet.ServiceDefaults.Hosting;
using Microsoft.Extensions.Options;

namespace LiaisonNet.Audit.Log;

/// <summary>Signs tree heads with an ECDSA P-256 key kept in the audit data folder (created on first start, the same after a restart).</summary>
public sealed class CheckpointSigner : IDisposable
{
    private readonly ECDsa _key;

    public CheckpointSigner(IOptions<LiaisonOptions> options)
    {
        var path = Path.Combine(options.Value.DataFolderFor(ServiceKind.Audit.DataFolderName()), "checkpoint-signing-key.pem");
        _key = ECDsa.Create();
        if (File.Exists(path))
        {
            _key.ImportFromPem(File.ReadAllText(path));
        }
        else
        {
            _key.GenerateKey(ECCurve.NamedCurves.nistP256);
            File.WriteAllText(path, _key.ExportPkcs8PrivateKeyPem());
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }

        PublicKey = _key.ExportSubjectPublicKeyInfo();
        KeyId = Checkpoint.KeyIdOf(PublicKey);
    }

    public byte[] PublicKey { get; }

    public string KeyId { get; }

    public byte[] Sign(string note) =>
        _key.SignData(Encoding.UTF8.GetBytes(note), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    public void Dispose() => _key.Dispose();
}
