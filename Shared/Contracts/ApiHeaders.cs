namespace Shared.Contracts;

/// <summary>Request headers of the public API that are ours, not HTTP's.</summary>
public static class ApiHeaders
{
    /// <summary>The person behind a key that writes for people (the console sends its signed-in user); honoured only
    /// from a key holding the scope of the write, so any other key is recorded under its own name.</summary>
    public const string Actor = "X-Actor";
}
