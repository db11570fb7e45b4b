{
  description = "kindling: the pinned toolchain, the same tools devbox.json names";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";

  outputs = { self, nixpkgs }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
      forAllSystems = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
    in
    {
      devShells = forAllSystems (pkgs: {
        default = pkgs.mkShell {
          # Keep this list and devbox.json's packages the same tools; test/unit/toolchain.test.ts checks it.
          packages = with pkgs; [
            nodejs_22
            kind
            kubectl
            kubernetes-helm
            fluxcd
            argocd
            crossplane-cli
            kustomize
            sops
            age
            go_1_26
            git
            openssh
            jq
          ];
          shellHook = ''
            test -d node_modules || npm ci >&2
          '';
        };
      });
    };
}
