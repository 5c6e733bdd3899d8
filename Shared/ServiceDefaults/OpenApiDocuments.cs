using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Shared.ServiceDefaults;

public static class OpenApiDocuments
{
    /// <summary>
    /// What a client generator needs besides the operations: server URLs without a trailing slash (paths start with one,
    /// so a generator joining the two would double it) and a description for every tag the operations use.
    /// </summary>
    /// <param name="tags">Each tag's description, by tag name (the OpenAPI lint test fails for a tag without one).</param>
    public static OpenApiOptions AddDocumentDefaults(this OpenApiOptions options, IReadOnlyDictionary<string, string> tags)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            foreach (var server in document.Servers ?? [])
            {
                if (server.Url is { Length: > 1 } url && url.EndsWith('/')) server.Url = url.TrimEnd('/');
            }
            foreach (var tag in document.Tags ?? new HashSet<OpenApiTag>())
            {
                if (tag.Name is not null && tags.TryGetValue(tag.Name, out var description)) tag.Description = description;
            }
            return Task.CompletedTask;
        });
        return options;
    }
}
