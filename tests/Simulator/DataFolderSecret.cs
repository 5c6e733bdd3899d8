using System.Security.Cryptography;

namespace Simulator;

/// <summary>A secret the simulator shares with a service it plays against, made once in the data folder (like the Hub88 keys).</summary>
public static class DataFolderSecret
{
    /// <summary>Reads <paramref name="file"/> in <paramref name="dataDir"/>, writing a random secret there first (readable by the owner only) if it is missing.</summary>
    public static string LoadOrCreate(string dataDir, string file)
    {
        Directory.CreateDirectory(dataDir);
        var path = Path.Combine(dataDir, file);
        if (!File.Exists(path))
        {
            File.WriteAllText(path, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)));
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return File.ReadAllText(path).Trim();
    }
}
