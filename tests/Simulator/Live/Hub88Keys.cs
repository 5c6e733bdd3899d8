using System.Security.Cryptography;

namespace Simulator.Live;

/// <summary>
/// The RSA key pair the simulated Hub88 signs wallet calls with, kept in the data folder: Ingestion is configured
/// with the public half (<c>Hub88__PublicKeyPath</c>), the simulator signs with the private half.
/// </summary>
public static class Hub88Keys
{
    public const string PrivateFile = "hub88-private.pem";
    public const string PublicFile = "hub88-public.pem";
    public const string SignatureHeader = "X-Hub88-Signature";

    /// <summary>Loads the pair from <paramref name="dataDir"/>, generating it there first if it is missing.</summary>
    public static RSA LoadOrCreate(string dataDir)
    {
        Directory.CreateDirectory(dataDir);
        var privatePath = Path.Combine(dataDir, PrivateFile);
        var publicPath = Path.Combine(dataDir, PublicFile);
        var rsa = RSA.Create(2048);
        if (File.Exists(privatePath))
        {
            rsa.ImportFromPem(File.ReadAllText(privatePath));
        }
        else
        {
            File.WriteAllText(privatePath, rsa.ExportPkcs8PrivateKeyPem());
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(privatePath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        if (!File.Exists(publicPath)) File.WriteAllText(publicPath, rsa.ExportSubjectPublicKeyInfoPem());
        return rsa;
    }

    public static string Sign(RSA rsa, ReadOnlySpan<byte> body) =>
        Convert.ToBase64String(rsa.SignData(body, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
}
