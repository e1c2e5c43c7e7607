package dev.graft.server.inventory;

/** The inventory formats Graft imports (docs/inventory.md describes each). */
public enum InventoryFormat {
  GRAFT_YAML("Graft cluster YAML"),
  KUBESPRAY_INI("kubespray INI inventory"),
  KUBESPRAY_YAML("kubespray YAML inventory"),
  METALK8S_NODES("MetalK8s v1/Node manifests");

  private final String title;

  InventoryFormat(String title) {
    this.title = title;
  }

  public String title() {
    return title;
  }
}
