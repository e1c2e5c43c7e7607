package dev.graft.server.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The house's rules (ARCHITECTURE.md, STYLE.md) checked on the compiled classes of every module,
 * transitive uses included — the enforcer plugin sees only declared dependencies:
 *
 * <ul>
 *   <li>workflows are deterministic: no I/O, network, wall clock, threads or randomness of their
 *       own (Temporal's Workflow.* replaces each);
 *   <li>the modules point one way: workflows ← activities ← server; the lab is a test and demo tool
 *       that only the CLI's lab commands reach;
 *   <li>inside each module the packages point one way too: no package cycles, checked one module at
 *       a time (a cycle means two packages can only be understood, and changed, together).
 * </ul>
 */
class ArchitectureTest {
  private static JavaClasses main;

  @BeforeAll
  static void importMain() {
    main =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            // The other modules arrive as jars (their test-jar too, which is not production code).
            .withImportOption(location -> !location.contains("-tests.jar"))
            .importPackages("dev.graft");
    if (main.size() < 200) {
      throw new AssertionError(
          "only "
              + main.size()
              + " classes of dev.graft were found: the rules would prove nothing");
    }
  }

  @Test
  void workflowsDoNoIoNetworkClockThreadsOrRandomness() {
    ArchRule rule =
        noClasses()
            .that()
            .resideInAPackage("dev.graft.workflows..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                "java.io..",
                "java.nio.file..",
                "java.net..",
                "java.util.concurrent..",
                "java.sql..")
            .orShould()
            .dependOnClassesThat()
            .belongToAnyOf(
                Thread.class, java.util.Random.class, java.util.UUID.class, java.time.Clock.class)
            .orShould()
            .callMethod(System.class, "currentTimeMillis")
            .orShould()
            .callMethod(System.class, "nanoTime")
            .orShould()
            .callMethod(java.time.Instant.class, "now")
            .orShould()
            .callMethod(java.time.LocalDateTime.class, "now")
            .orShould()
            .callMethod(Math.class, "random")
            .because(
                "workflow code must replay deterministically: use Workflow.currentTimeMillis, Workflow.sleep,"
                    + " Workflow.randomUUID, Async and activities instead");
    rule.check(main);
  }

  @Test
  void workflowsDependOnNoOtherGraftModuleNorOnIoLibraries() {
    noClasses()
        .that()
        .resideInAPackage("dev.graft.workflows..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.graft.activities..",
            "dev.graft.server..",
            "dev.graft.lab..",
            "io.grpc..",
            "io.fabric8..",
            "io.etcd..",
            "org.apache.sshd..",
            "io.dropwizard..")
        .because("the workflows module is the pure core: side effects live in activities")
        .check(main);
  }

  /**
   * The workflows packages point one way (step and model at the bottom, the operations above them,
   * the cluster workflow on top): a cycle would let a change anywhere in it ripple everywhere in
   * it.
   */
  @Test
  void workflowPackagesHaveNoCycles() {
    slices().matching("dev.graft.workflows.(*)..").should().beFreeOfCycles().check(main);
  }

  @Test
  void activitiesNeverReachIntoTheServerOrTheLab() {
    noClasses()
        .that()
        .resideInAPackage("dev.graft.activities..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("dev.graft.server..", "dev.graft.lab..")
        .check(main);
  }

  @Test
  void onlyTheCliLabCommandsUseTheLab() {
    noClasses()
        .that()
        .resideInAPackage("dev.graft.server..")
        .and()
        .resideOutsideOfPackage("dev.graft.server.cli.lab..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.graft.lab..")
        .because("the lab (stand-ins, fault injection) is never on the production path")
        .check(main);
  }

  @Test
  void theLabDoesNotDependOnGraftItself() {
    noClasses()
        .that()
        .resideInAPackage("dev.graft.lab..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("dev.graft.server..", "dev.graft.activities..", "dev.graft.workflows..")
        .because(
            "the lab stands in for the world Graft meets, so it must not borrow Graft's own code")
        .check(main);
  }

  @Test
  void activityPackagesHaveNoCycles() {
    slices().matching("dev.graft.activities.(*)..").should().beFreeOfCycles().check(main);
  }

  @Test
  void serverPackagesHaveNoCycles() {
    slices().matching("dev.graft.server.(*)..").should().beFreeOfCycles().check(main);
  }

  @Test
  void labPackagesHaveNoCycles() {
    slices().matching("dev.graft.lab.(*)..").should().beFreeOfCycles().check(main);
  }
}
