using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace CollapseCheck.Core.Tests.Native;

/// <summary>
/// One call in a method body: who calls and what, both as <c>Namespace.Type::Name(ParameterTypes)</c>, what the
/// callee returns, and the instructions either side of it (what feeds and what happens to the result), with
/// local indices spelled the same way whatever the encoding: <c>ldloc 3</c>, <c>stloc 3</c>.
/// </summary>
internal sealed record IlCall(string Caller, string Callee, string Returns, string Previous, string Next);

/// <summary>
/// Reads every call, callvirt and newobj out of an assembly's method bodies, so a test can state a rule about
/// what compiled code calls (a rule about source text would miss calls the compiler inserts, such as implicit
/// conversions). Making a delegate (ldftn, ldvirtftn) counts as calling its target, so lambdas and method groups
/// handed to other code are followed. A virtual call names the method the compiler saw, not the override that
/// runs: an override's body is reached only where something calls it by its own type.
/// </summary>
internal static class IlCalls
{
    private static readonly Dictionary<short, OpCode> s_opCodes = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    public static IReadOnlyList<IlCall> In(string assemblyPath)
    {
        using var pe = new PEReader(File.OpenRead(assemblyPath));
        var reader = pe.GetMetadataReader();
        var names = new SignatureNames(reader);
        var calls = new List<IlCall>();
        foreach (var handle in reader.MethodDefinitions)
        {
            var method = reader.GetMethodDefinition(handle);
            if (method.RelativeVirtualAddress == 0)
            {
                continue;
            }

            var caller = names.Method(handle).Name;
            var il = pe.GetMethodBody(method.RelativeVirtualAddress).GetILReader();
            var previous = "start";
            (string Callee, string Returns, string Previous)? pending = null;
            while (il.RemainingBytes > 0)
            {
                var code = il.ReadByte();
                var opCode = s_opCodes[code == 0xFE ? (short)(0xFE00 | il.ReadByte()) : code];
                (string Callee, string Returns, string Previous)? call = null;
                string instruction;
                if (opCode.OperandType == OperandType.InlineMethod)
                {
                    var target = names.Method(MetadataTokens.EntityHandle(il.ReadInt32()));
                    if (opCode == OpCodes.Call || opCode == OpCodes.Callvirt || opCode == OpCodes.Newobj || opCode == OpCodes.Ldftn || opCode == OpCodes.Ldvirtftn)
                    {
                        call = (target.Name, target.Returns, previous);
                    }

                    instruction = opCode.Name!;
                }
                else
                {
                    instruction = Spelled(opCode, ref il);
                }

                if (pending is { } done)
                {
                    calls.Add(new IlCall(caller, done.Callee, done.Returns, done.Previous, instruction));
                }

                pending = call;
                previous = instruction;
            }

            if (pending is { } last)
            {
                calls.Add(new IlCall(caller, last.Callee, last.Returns, last.Previous, "end"));
            }
        }

        return calls;
    }

    /// <summary>The instruction's name, with the local's index for ldloc and stloc in any of their encodings.</summary>
    private static string Spelled(OpCode opCode, ref BlobReader il)
    {
        var name = opCode.Name!;
        foreach (var family in new[] { "ldloc", "stloc" })
        {
            if (name == family || name == family + ".s")
            {
                return $"{family} {(opCode.OperandType == OperandType.ShortInlineVar ? il.ReadByte() : il.ReadUInt16())}";
            }

            if (name.Length == family.Length + 2 && name.StartsWith(family + ".", StringComparison.Ordinal) && char.IsDigit(name[^1]))
            {
                return $"{family} {name[^1]}";
            }
        }

        // Not `il.Offset += OperandSize(…)`: a switch's size is read from the operand, which moves the offset first.
        var size = OperandSize(opCode.OperandType, ref il);
        il.Offset += size;
        return name;
    }

    private static int OperandSize(OperandType type, ref BlobReader il) => type switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 * il.ReadInt32(),
        _ => 4,
    };

    /// <summary>Names types and methods the same way whether they are defined in the assembly or referenced from another.</summary>
    private sealed class SignatureNames(MetadataReader reader) : ISignatureTypeProvider<string, object?>
    {
        public (string Name, string Returns) Method(EntityHandle handle)
        {
            switch (handle.Kind)
            {
                case HandleKind.MethodDefinition:
                    var definition = reader.GetMethodDefinition((MethodDefinitionHandle)handle);
                    var signature = definition.DecodeSignature(this, null);
                    return (Format(Type(definition.GetDeclaringType()), reader.GetString(definition.Name), signature.ParameterTypes), signature.ReturnType);
                case HandleKind.MemberReference:
                    var reference = reader.GetMemberReference((MemberReferenceHandle)handle);
                    var parent = Parent(reference.Parent);
                    if (reference.GetKind() != MemberReferenceKind.Method)
                    {
                        return (Format(parent, reader.GetString(reference.Name), []), "");
                    }

                    var referenced = reference.DecodeMethodSignature(this, null);
                    return (Format(parent, reader.GetString(reference.Name), referenced.ParameterTypes), referenced.ReturnType);
                case HandleKind.MethodSpecification:
                    return Method(reader.GetMethodSpecification((MethodSpecificationHandle)handle).Method);
                default:
                    return (handle.Kind.ToString(), "");
            }
        }

        private static string Format(string type, string name, ImmutableArray<string> parameters) =>
            $"{type}::{name}({string.Join(",", parameters)})";

        private string Parent(EntityHandle parent) => parent.Kind switch
        {
            HandleKind.TypeReference => Type((TypeReferenceHandle)parent),
            HandleKind.TypeDefinition => Type((TypeDefinitionHandle)parent),
            HandleKind.TypeSpecification => GenericDefinition(reader.GetTypeSpecification((TypeSpecificationHandle)parent).DecodeSignature(this, null)),
            _ => parent.Kind.ToString(),
        };

        // A call on List<int> names its parent List`1<Int32>; the method is declared on List`1.
        private static string GenericDefinition(string type) => type.Split('<')[0];

        private string Type(TypeDefinitionHandle handle)
        {
            var type = reader.GetTypeDefinition(handle);
            var declaring = type.GetDeclaringType();
            return declaring.IsNil
                ? Qualified(reader.GetString(type.Namespace), reader.GetString(type.Name))
                : $"{Type(declaring)}/{reader.GetString(type.Name)}";
        }

        private string Type(TypeReferenceHandle handle)
        {
            var type = reader.GetTypeReference(handle);
            return type.ResolutionScope.Kind == HandleKind.TypeReference
                ? $"{Type((TypeReferenceHandle)type.ResolutionScope)}/{reader.GetString(type.Name)}"
                : Qualified(reader.GetString(type.Namespace), reader.GetString(type.Name));
        }

        private static string Qualified(string ns, string name) => ns.Length == 0 ? name : $"{ns}.{name}";

        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode.ToString();
        public string GetTypeFromDefinition(MetadataReader r, TypeDefinitionHandle handle, byte rawTypeKind) => Type(handle);
        public string GetTypeFromReference(MetadataReader r, TypeReferenceHandle handle, byte rawTypeKind) => Type(handle);
        public string GetTypeFromSpecification(MetadataReader r, object? context, TypeSpecificationHandle handle, byte rawTypeKind) =>
            r.GetTypeSpecification(handle).DecodeSignature(this, context);
        public string GetSZArrayType(string elementType) => elementType + "[]";
        public string GetArrayType(string elementType, ArrayShape shape) => $"{elementType}[{new string(',', shape.Rank - 1)}]";
        public string GetByReferenceType(string elementType) => elementType + "&";
        public string GetPointerType(string elementType) => elementType + "*";
        public string GetPinnedType(string elementType) => elementType;
        public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) => $"{genericType}<{string.Join(",", typeArguments)}>";
        public string GetGenericTypeParameter(object? context, int index) => "!" + index;
        public string GetGenericMethodParameter(object? context, int index) => "!!" + index;
        public string GetFunctionPointerType(MethodSignature<string> signature) => "fnptr";
        public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;
    }
}
