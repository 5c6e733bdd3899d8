using System.Reflection;
using System.Reflection.Emit;
using System.Text.RegularExpressions;

namespace EndToEnd.Tests;

/// <summary>
/// The folders of each service depend on each other one way: no namespace reaches back to one that uses it. Read from the
/// compiled assemblies (signatures and every method body's IL, generic methods' type arguments included), so a dependency
/// hidden in a method body counts too. A constant or a <c>nameof</c> leaves no trace in the IL: those are kept one way by
/// hand (issue #21 found two, both gone).
/// </summary>
public sealed partial class NamespaceCycleTests
{
    public static TheoryData<string> Assemblies() => ["Ingestion", "Intelligence", "Lobby.Blazor", "Shared.Contracts", "Shared.Store", "Shared.ServiceDefaults"];

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void NoNamespaceDependsOnAnotherThatDependsOnIt(string assemblyName)
    {
        var assembly = Assembly.Load(assemblyName);
        var graph = NamespaceGraph(assembly);
        Assert.True(graph.Count > 0, $"{assemblyName}: the reading found its namespaces");
        var cycles = StronglyConnected(graph).Where(c => c.Count > 1).ToList();
        Assert.True(cycles.Count == 0, $"{assemblyName} has namespace cycles:\n" + string.Join("\n", cycles.Select(c => Explain(c, graph))));
    }

    /// <summary>
    /// The same with each source file's <c>using</c> directives as edges too: a constant or a <c>nameof</c> leaves nothing in
    /// the IL, but the file that names it says which namespace it reaches into.
    /// </summary>
    [Theory]
    [MemberData(nameof(Assemblies))]
    public void NoCycle_WithTheSourcesUsingDirectives(string assemblyName)
    {
        var graph = NamespaceGraph(Assembly.Load(assemblyName));
        var folder = Path.Combine(DocumentLinksTests.Root, assemblyName.StartsWith("Shared.", StringComparison.Ordinal) ? Path.Combine("Shared", assemblyName["Shared.".Length..]) : assemblyName);
        var sources = Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(folder, f).Split(Path.DirectorySeparatorChar).Any(d => d is "bin" or "obj"))
            .ToList();
        Assert.NotEmpty(sources);
        foreach (var file in sources)
        {
            var text = File.ReadAllText(file);
            if (FileNamespace().Match(text) is not { Success: true } ns) continue;
            var from = ns.Groups[1].Value;
            foreach (Match u in UsingDirective().Matches(text))
            {
                var to = u.Groups[1].Value;
                if (to == from || !graph.ContainsKey(to)) continue;
                var edges = graph.TryGetValue(from, out var e) ? e : graph[from] = new(StringComparer.Ordinal);
                edges.TryAdd(to, $"{Path.GetRelativePath(DocumentLinksTests.Root, file)} has using {to}");
            }
        }
        var cycles = StronglyConnected(graph).Where(c => c.Count > 1).ToList();
        Assert.True(cycles.Count == 0, $"{assemblyName} has namespace cycles:\n" + string.Join("\n", cycles.Select(c => Explain(c, graph))));
    }

    [GeneratedRegex(@"^namespace ([\w.]+);", RegexOptions.Multiline)]
    private static partial Regex FileNamespace();

    [GeneratedRegex(@"^using ([\w.]+);", RegexOptions.Multiline)]
    private static partial Regex UsingDirective();

    [Fact]
    public void ACycleIsFound_WhereTwoNamespacesUseEachOther()
    {
        var graph = new Dictionary<string, Dictionary<string, string>>
        {
            ["A"] = new() { ["B"] = "A.X → B.Y" },
            ["B"] = new() { ["C"] = "B.Y → C.Z" },
            ["C"] = new() { ["A"] = "C.Z → A.X" },
            ["D"] = new() { ["A"] = "D.W → A.X" },
        };
        var cycle = Assert.Single(StronglyConnected(graph), c => c.Count > 1);
        Assert.Equal(["A", "B", "C"], cycle.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ATypeNamedOnlyAsAGenericMethodsTypeArgument_IsADependency()
    {
        var graph = NamespaceGraph(typeof(NamespaceCycleTests).Assembly);

        Assert.True(graph.TryGetValue("EndToEnd.Tests.CycleFixtures.Registrar", out var edges) && edges.ContainsKey("EndToEnd.Tests.CycleFixtures.Vendor"),
            "Registrations.Register() calls Make<VendorThing>(): Registrar depends on Vendor");
    }

    private static string Explain(IReadOnlyList<string> cycle, Dictionary<string, Dictionary<string, string>> graph)
    {
        var set = cycle.ToHashSet(StringComparer.Ordinal);
        return "  " + string.Join(", ", cycle.Order(StringComparer.Ordinal)) + ":\n" + string.Join("\n",
            cycle.SelectMany(from => graph[from].Where(e => set.Contains(e.Key)).Select(e => $"    {from} → {e.Key} (e.g. {e.Value})")));
    }

    /// <summary>From each namespace of the assembly, the namespaces of the same assembly it uses, with one example each.</summary>
    private static Dictionary<string, Dictionary<string, string>> NamespaceGraph(Assembly assembly)
    {
        var graph = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var type in assembly.GetTypes())
        {
            if (type.Namespace is not { } from) continue;
            var edges = graph.TryGetValue(from, out var e) ? e : graph[from] = new(StringComparer.Ordinal);
            foreach (var used in Uses(type))
            {
                if (used.Assembly != assembly || used.Namespace is not { } to || to == from) continue;
                edges.TryAdd(to, $"{Name(type)} uses {Name(used)}");
            }
        }
        return graph;
    }

    private static string Name(Type t) => (t.DeclaringType is { } d ? Name(d) + "+" : "") + t.Name;

    private const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static List<Type> Uses(Type type)
    {
        var found = new List<Type>();
        void Add(Type? t)
        {
            if (t is null) return;
            if (t.HasElementType) { Add(t.GetElementType()); return; }
            if (t.IsGenericType && !t.IsGenericTypeDefinition)
            {
                foreach (var a in t.GetGenericArguments()) Add(a);
                t = t.GetGenericTypeDefinition();
            }
            if (!t.IsGenericParameter) found.Add(t);
        }
        Add(type.BaseType);
        foreach (var i in type.GetInterfaces()) Add(i);
        foreach (var a in type.GetCustomAttributesData()) Add(a.AttributeType);
        foreach (var f in type.GetFields(All)) Add(f.FieldType);
        foreach (var p in type.GetProperties(All)) Add(p.PropertyType);
        foreach (var m in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
        {
            if (m is MethodInfo mi) Add(mi.ReturnType);
            foreach (var p in m.GetParameters()) Add(p.ParameterType);
            foreach (var t in BodyTypes(m)) Add(t);
        }
        return found;
    }

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    /// <summary>The types a method body names: in the members it calls or reads and the types it makes, casts or boxes.</summary>
    private static IEnumerable<Type> BodyTypes(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null) yield break;
        var module = method.Module;
        var typeArgs = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        var methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        var i = 0;
        while (i < il.Length)
        {
            short value = il[i] == 0xFE && i + 1 < il.Length ? (short)(0xFE00 | il[i + 1]) : il[i];
            if (!OpCodesByValue.TryGetValue(value, out var op)) yield break;
            i += op.Size;
            switch (op.OperandType)
            {
                case OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok:
                    var token = BitConverter.ToInt32(il, i);
                    MemberInfo? member = null;
                    try { member = module.ResolveMember(token, typeArgs, methodArgs); }
                    catch (ArgumentException) { }
                    catch (TypeLoadException) { }
                    switch (member)
                    {
                        case Type t: yield return t; break;
                        case MethodBase m:
                            if (m.DeclaringType is { } mt) yield return mt;
                            // AddSingleton<IVendorAdapter, Hub88Adapter>() names Hub88Adapter only as a method's type argument.
                            if (m.IsGenericMethod) foreach (var a in m.GetGenericArguments()) yield return a;
                            break;
                        case FieldInfo f: if (f.DeclaringType is { } ft) yield return ft; yield return f.FieldType; break;
                    }
                    i += 4;
                    break;
                case OperandType.InlineSwitch:
                    i += 4 + 4 * BitConverter.ToInt32(il, i);
                    break;
                case OperandType.InlineNone: break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar: i += 1; break;
                case OperandType.InlineVar: i += 2; break;
                case OperandType.InlineI8 or OperandType.InlineR: i += 8; break;
                default: i += 4; break;
            }
        }
    }

    /// <summary>Tarjan's strongly connected components: each cycle of namespaces comes out as one component.</summary>
    private static List<List<string>> StronglyConnected(Dictionary<string, Dictionary<string, string>> graph)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<List<string>>();
        void Visit(string v)
        {
            index[v] = low[v] = index.Count;
            stack.Push(v);
            onStack.Add(v);
            foreach (var w in graph.TryGetValue(v, out var edges) ? edges.Keys.ToList() : [])
            {
                if (!index.TryGetValue(w, out var seen)) { Visit(w); low[v] = Math.Min(low[v], low[w]); }
                else if (onStack.Contains(w)) low[v] = Math.Min(low[v], seen);
            }
            if (low[v] != index[v]) return;
            var component = new List<string>();
            string x;
            do { x = stack.Pop(); onStack.Remove(x); component.Add(x); } while (x != v);
            result.Add(component);
        }
        foreach (var v in graph.Keys.Order(StringComparer.Ordinal)) if (!index.ContainsKey(v)) Visit(v);
        return result;
    }
}
