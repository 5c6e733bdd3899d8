// Two namespaces for NamespaceCycleTests' reading of the IL: Registrar names Vendor's type only as a generic method's
// type argument, the way a DI registration (AddSingleton<IVendorAdapter, Hub88Adapter>()) does.
namespace EndToEnd.Tests.CycleFixtures.Vendor
{
    internal sealed class VendorThing;
}

namespace EndToEnd.Tests.CycleFixtures.Registrar
{
    internal static class Registrations
    {
        public static object Register() => Make<Vendor.VendorThing>();

        private static object Make<T>() where T : new() => new T();
    }
}
