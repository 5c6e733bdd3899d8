using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace TestSupport;

public static class TestKeys
{
    /// <summary>
    /// A key prefix no other test (nor another run of this one) shares, e.g. <c>t:Ping_Answers:3fa2b8c1:</c>,
    /// so tests own their keys and run in parallel against one server without flushing it.
    /// </summary>
    public static string Prefix([CallerMemberName] string testName = "") =>
        $"t:{testName}:{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}:";
}
