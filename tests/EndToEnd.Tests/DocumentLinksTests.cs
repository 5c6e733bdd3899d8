using System.Text.RegularExpressions;

namespace EndToEnd.Tests;

/// <summary>
/// Every relative link in the repository's Markdown leads somewhere: the file exists, and a <c>#fragment</c> names a
/// heading of the file it points at (GitHub's anchors: lower case, punctuation dropped, spaces as hyphens).
/// </summary>
public sealed partial class DocumentLinksTests
{
    /// <summary>The repository root: the folder of Intelligence.sln above the test's binaries.</summary>
    internal static readonly string Root = FindRoot();

    private static string FindRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "Intelligence.sln"))) dir = Path.GetDirectoryName(dir);
        return dir ?? throw new InvalidOperationException("the repository root (Intelligence.sln) is not above the test's directory");
    }

    public static TheoryData<string> Documents()
    {
        var skip = new[] { "node_modules", "bin", "obj", "test-output", ".git", ".data" };
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Root, "*.md", SearchOption.AllDirectories)
                     .Where(f => !Path.GetRelativePath(Root, f).Split(Path.DirectorySeparatorChar).Any(skip.Contains))
                     .Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(Root, file));
        }
        return data;
    }

    [Theory, MemberData(nameof(Documents))]
    public void EveryRelativeLink_Resolves(string document)
    {
        var path = Path.Combine(Root, document);
        var text = WithoutCode(File.ReadAllText(path));
        var broken = new List<string>();
        foreach (Match link in Link().Matches(text))
        {
            var target = link.Groups["target"].Value;
            if (target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal)) continue;
            var hash = target.IndexOf('#', StringComparison.Ordinal);
            var file = hash < 0 ? target : target[..hash];
            var fragment = hash < 0 ? null : target[(hash + 1)..];
            var resolved = file.Length == 0 ? path : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, Uri.UnescapeDataString(file)));
            if (!File.Exists(resolved) && !Directory.Exists(resolved))
            {
                broken.Add($"{target}: no such file");
                continue;
            }
            if (fragment is { Length: > 0 } && resolved.EndsWith(".md", StringComparison.Ordinal) && !Anchors(resolved).Contains(fragment))
            {
                broken.Add($"{target}: no heading with the anchor #{fragment}");
            }
        }
        Assert.True(broken.Count == 0, $"{document}: {string.Join("; ", broken)}");
    }

    /// <summary>The anchors GitHub gives a file's headings.</summary>
    private static HashSet<string> Anchors(string file)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (Match heading in Heading().Matches(WithoutCode(File.ReadAllText(file))))
        {
            var slug = Slug(heading.Groups["title"].Value);
            var n = seen.GetValueOrDefault(slug);
            seen[slug] = n + 1;
            anchors.Add(n == 0 ? slug : $"{slug}-{n}");
        }
        return anchors;
    }

    private static string Slug(string title)
    {
        var text = MarkdownLink().Replace(title.Trim(), "${text}").Replace("`", "", StringComparison.Ordinal).ToLowerInvariant();
        var kept = text.Where(c => char.IsLetterOrDigit(c) || c is ' ' or '-' or '_').ToArray();
        return new string(kept).Replace(' ', '-');
    }

    private static string WithoutCode(string markdown) => Fence().Replace(markdown, "");

    [GeneratedRegex(@"(?<!!)\[(?:[^\]\[]|\[[^\]]*\])*\]\((?<target>[^)\s]+)(?:\s+""[^""]*"")?\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"\[(?<text>[^\]]*)\]\([^)]*\)")]
    private static partial Regex MarkdownLink();

    [GeneratedRegex(@"^#{1,6}\s+(?<title>.+?)\s*#*\s*$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex(@"^```.*?^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Fence();
}
